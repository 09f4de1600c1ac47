DROP TABLE entity_16;
