DROP INDEX entity_17_attrs;
DROP INDEX entity_17_active_created;
DROP INDEX entity_17_name_trgm;
