DROP TABLE entity_19;
