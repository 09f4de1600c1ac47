DROP INDEX entity_21_attrs;
DROP INDEX entity_21_active_created;
DROP INDEX entity_21_name_trgm;
