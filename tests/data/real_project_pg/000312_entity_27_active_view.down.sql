DROP VIEW entity_27_active;
