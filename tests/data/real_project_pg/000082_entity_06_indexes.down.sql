DROP INDEX entity_06_attrs;
DROP INDEX entity_06_active_created;
DROP INDEX entity_06_name_trgm;
