DROP VIEW entity_22_active;
