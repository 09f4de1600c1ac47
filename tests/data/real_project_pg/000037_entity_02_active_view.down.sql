DROP VIEW entity_02_active;
