DROP VIEW entity_10_active;
