DROP TABLE entity_00_events;
