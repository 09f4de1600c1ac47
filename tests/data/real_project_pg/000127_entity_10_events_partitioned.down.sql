DROP TABLE entity_10_events;
