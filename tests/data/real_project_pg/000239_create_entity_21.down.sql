DROP TABLE entity_21;
