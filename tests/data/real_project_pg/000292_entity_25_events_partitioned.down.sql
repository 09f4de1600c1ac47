DROP TABLE entity_25_events;
