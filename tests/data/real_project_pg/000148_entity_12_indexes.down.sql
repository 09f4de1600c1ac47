DROP INDEX entity_12_attrs;
DROP INDEX entity_12_active_created;
DROP INDEX entity_12_name_trgm;
