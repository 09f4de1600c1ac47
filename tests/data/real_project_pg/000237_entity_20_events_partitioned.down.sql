DROP TABLE entity_20_events;
