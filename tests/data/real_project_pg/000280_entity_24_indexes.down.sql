DROP INDEX entity_24_attrs;
DROP INDEX entity_24_active_created;
DROP INDEX entity_24_name_trgm;
