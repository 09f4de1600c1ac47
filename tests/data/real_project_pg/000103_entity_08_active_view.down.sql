DROP VIEW entity_08_active;
