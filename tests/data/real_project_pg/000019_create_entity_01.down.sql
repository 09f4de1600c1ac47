DROP TABLE entity_01;
