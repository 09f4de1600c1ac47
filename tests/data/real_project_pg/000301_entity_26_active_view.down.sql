DROP VIEW entity_26_active;
