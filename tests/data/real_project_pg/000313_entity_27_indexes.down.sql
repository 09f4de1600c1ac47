DROP INDEX entity_27_attrs;
DROP INDEX entity_27_active_created;
DROP INDEX entity_27_name_trgm;
