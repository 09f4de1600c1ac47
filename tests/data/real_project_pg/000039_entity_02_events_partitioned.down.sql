DROP TABLE entity_02_events;
