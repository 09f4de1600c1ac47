DROP TABLE entity_02;
