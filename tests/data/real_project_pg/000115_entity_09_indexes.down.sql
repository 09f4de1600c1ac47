DROP INDEX entity_09_attrs;
DROP INDEX entity_09_active_created;
DROP INDEX entity_09_name_trgm;
