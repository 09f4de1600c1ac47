DROP INDEX entity_29_attrs;
DROP INDEX entity_29_active_created;
DROP INDEX entity_29_name_trgm;
