DROP VIEW entity_14_active;
