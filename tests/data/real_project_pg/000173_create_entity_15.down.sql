DROP TABLE entity_15;
