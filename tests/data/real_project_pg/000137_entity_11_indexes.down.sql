DROP INDEX entity_11_attrs;
DROP INDEX entity_11_active_created;
DROP INDEX entity_11_name_trgm;
