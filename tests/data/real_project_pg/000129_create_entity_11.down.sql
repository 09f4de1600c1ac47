DROP TABLE entity_11;
