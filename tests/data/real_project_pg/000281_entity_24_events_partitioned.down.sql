DROP TABLE entity_24_events;
