DROP INDEX entity_16_attrs;
DROP INDEX entity_16_active_created;
DROP INDEX entity_16_name_trgm;
