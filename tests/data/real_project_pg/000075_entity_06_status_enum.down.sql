ALTER TABLE entity_06 DROP COLUMN status;
DROP TYPE entity_06_status;
