DROP TABLE entity_01_events;
