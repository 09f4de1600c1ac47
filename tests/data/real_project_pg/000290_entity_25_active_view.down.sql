DROP VIEW entity_25_active;
