DROP VIEW entity_03_active;
