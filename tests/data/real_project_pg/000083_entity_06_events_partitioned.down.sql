DROP TABLE entity_06_events;
