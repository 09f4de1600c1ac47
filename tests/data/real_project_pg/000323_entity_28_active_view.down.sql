DROP VIEW entity_28_active;
