DROP TABLE entity_23;
