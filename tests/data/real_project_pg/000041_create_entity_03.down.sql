DROP TABLE entity_03;
