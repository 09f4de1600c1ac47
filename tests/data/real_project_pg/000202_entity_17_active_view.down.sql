DROP VIEW entity_17_active;
