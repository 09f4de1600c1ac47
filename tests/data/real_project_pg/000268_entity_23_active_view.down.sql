DROP VIEW entity_23_active;
