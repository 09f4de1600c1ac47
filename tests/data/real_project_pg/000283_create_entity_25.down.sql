DROP TABLE entity_25;
