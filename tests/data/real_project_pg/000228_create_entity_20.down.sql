DROP TABLE entity_20;
