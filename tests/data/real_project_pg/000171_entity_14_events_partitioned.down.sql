DROP TABLE entity_14_events;
