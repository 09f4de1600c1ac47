DROP INDEX entity_19_attrs;
DROP INDEX entity_19_active_created;
DROP INDEX entity_19_name_trgm;
