DROP TABLE entity_24;
