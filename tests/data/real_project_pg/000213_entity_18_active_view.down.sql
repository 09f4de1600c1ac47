DROP VIEW entity_18_active;
