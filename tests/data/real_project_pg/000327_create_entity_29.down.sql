DROP TABLE entity_29;
