DROP VIEW entity_13_active;
