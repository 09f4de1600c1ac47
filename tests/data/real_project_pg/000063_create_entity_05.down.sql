DROP TABLE entity_05;
