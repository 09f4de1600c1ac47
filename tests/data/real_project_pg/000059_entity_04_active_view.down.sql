DROP VIEW entity_04_active;
