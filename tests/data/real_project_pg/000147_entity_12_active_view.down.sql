DROP VIEW entity_12_active;
