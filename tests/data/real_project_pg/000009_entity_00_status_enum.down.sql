ALTER TABLE entity_00 DROP COLUMN status;
DROP TYPE entity_00_status;
