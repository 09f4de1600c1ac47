DROP TABLE entity_26;
