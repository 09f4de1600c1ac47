DROP INDEX entity_01_attrs;
DROP INDEX entity_01_active_created;
DROP INDEX entity_01_name_trgm;
