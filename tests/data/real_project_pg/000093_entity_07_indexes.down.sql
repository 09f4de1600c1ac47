DROP INDEX entity_07_attrs;
DROP INDEX entity_07_active_created;
DROP INDEX entity_07_name_trgm;
