DROP VIEW entity_16_active;
