DROP TABLE entity_28_events;
