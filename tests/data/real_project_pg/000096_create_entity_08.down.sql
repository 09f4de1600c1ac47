DROP TABLE entity_08;
