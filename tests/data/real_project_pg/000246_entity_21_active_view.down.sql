DROP VIEW entity_21_active;
