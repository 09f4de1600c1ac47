DROP VIEW entity_07_active;
