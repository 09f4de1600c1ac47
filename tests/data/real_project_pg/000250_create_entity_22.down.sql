DROP TABLE entity_22;
