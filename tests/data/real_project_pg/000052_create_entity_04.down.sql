DROP TABLE entity_04;
