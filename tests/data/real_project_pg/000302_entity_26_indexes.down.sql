DROP INDEX entity_26_attrs;
DROP INDEX entity_26_active_created;
DROP INDEX entity_26_name_trgm;
