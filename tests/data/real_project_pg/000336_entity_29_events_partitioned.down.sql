DROP TABLE entity_29_events;
