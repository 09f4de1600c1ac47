DROP VIEW entity_00_active;
