DROP VIEW entity_11_active;
