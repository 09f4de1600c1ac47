DROP INDEX entity_05_attrs;
DROP INDEX entity_05_active_created;
DROP INDEX entity_05_name_trgm;
