DROP TABLE entity_00;
