DROP VIEW entity_19_active;
