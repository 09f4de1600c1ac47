DROP TABLE entity_11_events;
