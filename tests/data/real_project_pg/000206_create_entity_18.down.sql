DROP TABLE entity_18;
