DROP INDEX entity_04_attrs;
DROP INDEX entity_04_active_created;
DROP INDEX entity_04_name_trgm;
