DROP TABLE entity_14;
