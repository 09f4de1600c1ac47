ALTER TABLE entity_25 DROP COLUMN status;
DROP TYPE entity_25_status;
