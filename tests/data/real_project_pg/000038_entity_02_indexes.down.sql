DROP INDEX entity_02_attrs;
DROP INDEX entity_02_active_created;
DROP INDEX entity_02_name_trgm;
