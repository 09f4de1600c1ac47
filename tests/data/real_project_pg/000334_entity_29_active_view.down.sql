DROP VIEW entity_29_active;
