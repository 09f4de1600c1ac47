DROP TABLE entity_19_events;
