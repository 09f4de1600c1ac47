DROP TABLE entity_07;
