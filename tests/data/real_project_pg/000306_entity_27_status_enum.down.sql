ALTER TABLE entity_27 DROP COLUMN status;
DROP TYPE entity_27_status;
