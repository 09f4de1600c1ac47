DROP INDEX entity_28_attrs;
DROP INDEX entity_28_active_created;
DROP INDEX entity_28_name_trgm;
