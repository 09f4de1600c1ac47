DROP TABLE entity_09_events;
