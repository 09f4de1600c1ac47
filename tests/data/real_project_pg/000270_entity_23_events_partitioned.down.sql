DROP TABLE entity_23_events;
