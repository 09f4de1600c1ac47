DROP TABLE entity_03_events;
