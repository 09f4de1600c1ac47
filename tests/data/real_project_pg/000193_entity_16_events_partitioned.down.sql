DROP TABLE entity_16_events;
