ALTER TABLE entity_02 DROP COLUMN status;
DROP TYPE entity_02_status;
