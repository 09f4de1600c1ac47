DROP INDEX entity_22_attrs;
DROP INDEX entity_22_active_created;
DROP INDEX entity_22_name_trgm;
