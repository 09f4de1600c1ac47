DROP TABLE entity_07_events;
