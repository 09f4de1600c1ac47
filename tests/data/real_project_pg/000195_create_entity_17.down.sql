DROP TABLE entity_17;
