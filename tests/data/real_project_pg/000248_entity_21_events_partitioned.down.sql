DROP TABLE entity_21_events;
