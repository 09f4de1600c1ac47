DROP TABLE entity_27;
