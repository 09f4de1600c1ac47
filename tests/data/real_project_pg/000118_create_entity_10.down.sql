DROP TABLE entity_10;
