DROP VIEW entity_09_active;
