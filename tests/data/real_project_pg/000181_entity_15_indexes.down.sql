DROP INDEX entity_15_attrs;
DROP INDEX entity_15_active_created;
DROP INDEX entity_15_name_trgm;
