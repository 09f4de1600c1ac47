DROP INDEX entity_20_attrs;
DROP INDEX entity_20_active_created;
DROP INDEX entity_20_name_trgm;
