DROP TABLE entity_13;
