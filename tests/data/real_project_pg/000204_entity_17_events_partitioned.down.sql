DROP TABLE entity_17_events;
