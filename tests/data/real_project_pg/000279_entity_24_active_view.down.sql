DROP VIEW entity_24_active;
