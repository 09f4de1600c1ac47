DROP INDEX entity_25_attrs;
DROP INDEX entity_25_active_created;
DROP INDEX entity_25_name_trgm;
