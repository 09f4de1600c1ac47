DROP TABLE entity_22_events;
