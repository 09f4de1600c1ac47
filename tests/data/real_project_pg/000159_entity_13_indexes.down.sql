DROP INDEX entity_13_attrs;
DROP INDEX entity_13_active_created;
DROP INDEX entity_13_name_trgm;
