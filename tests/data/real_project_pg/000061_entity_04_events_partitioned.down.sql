DROP TABLE entity_04_events;
