DROP TABLE entity_15_events;
