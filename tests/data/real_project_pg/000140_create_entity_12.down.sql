DROP TABLE entity_12;
