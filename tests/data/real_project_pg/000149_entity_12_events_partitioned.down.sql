DROP TABLE entity_12_events;
