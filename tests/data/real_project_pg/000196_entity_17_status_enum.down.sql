ALTER TABLE entity_17 DROP COLUMN status;
DROP TYPE entity_17_status;
