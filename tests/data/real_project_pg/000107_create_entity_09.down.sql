DROP TABLE entity_09;
