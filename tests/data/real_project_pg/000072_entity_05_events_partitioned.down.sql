DROP TABLE entity_05_events;
