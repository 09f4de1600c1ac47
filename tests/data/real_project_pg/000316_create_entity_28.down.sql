DROP TABLE entity_28;
