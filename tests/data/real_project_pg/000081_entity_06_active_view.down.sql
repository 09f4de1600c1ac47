DROP VIEW entity_06_active;
