DROP TABLE entity_06;
