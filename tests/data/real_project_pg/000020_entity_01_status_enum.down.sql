ALTER TABLE entity_01 DROP COLUMN status;
DROP TYPE entity_01_status;
