DROP INDEX entity_10_attrs;
DROP INDEX entity_10_active_created;
DROP INDEX entity_10_name_trgm;
