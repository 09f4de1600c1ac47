DROP TABLE entity_26_events;
