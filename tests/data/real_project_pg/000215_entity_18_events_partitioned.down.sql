DROP TABLE entity_18_events;
