DROP VIEW entity_01_active;
