DROP TABLE entity_08_events;
