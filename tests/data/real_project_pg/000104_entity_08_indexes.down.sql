DROP INDEX entity_08_attrs;
DROP INDEX entity_08_active_created;
DROP INDEX entity_08_name_trgm;
