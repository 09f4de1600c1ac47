DROP INDEX entity_14_attrs;
DROP INDEX entity_14_active_created;
DROP INDEX entity_14_name_trgm;
