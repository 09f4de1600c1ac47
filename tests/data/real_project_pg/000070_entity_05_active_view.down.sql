DROP VIEW entity_05_active;
