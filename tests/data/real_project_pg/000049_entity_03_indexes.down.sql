DROP INDEX entity_03_attrs;
DROP INDEX entity_03_active_created;
DROP INDEX entity_03_name_trgm;
