DROP VIEW entity_20_active;
