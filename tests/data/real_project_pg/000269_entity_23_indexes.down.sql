DROP INDEX entity_23_attrs;
DROP INDEX entity_23_active_created;
DROP INDEX entity_23_name_trgm;
