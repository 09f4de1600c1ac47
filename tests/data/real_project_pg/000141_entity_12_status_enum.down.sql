ALTER TABLE entity_12 DROP COLUMN status;
DROP TYPE entity_12_status;
