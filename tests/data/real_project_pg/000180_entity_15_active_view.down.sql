DROP VIEW entity_15_active;
