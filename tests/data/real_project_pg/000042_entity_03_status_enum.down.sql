ALTER TABLE entity_03 DROP COLUMN status;
DROP TYPE entity_03_status;
