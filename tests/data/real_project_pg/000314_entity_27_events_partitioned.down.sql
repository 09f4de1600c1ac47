DROP TABLE entity_27_events;
