DROP TABLE entity_13_events;
