DROP INDEX entity_00_attrs;
DROP INDEX entity_00_active_created;
DROP INDEX entity_00_name_trgm;
