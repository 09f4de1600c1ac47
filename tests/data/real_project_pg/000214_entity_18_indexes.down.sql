DROP INDEX entity_18_attrs;
DROP INDEX entity_18_active_created;
DROP INDEX entity_18_name_trgm;
