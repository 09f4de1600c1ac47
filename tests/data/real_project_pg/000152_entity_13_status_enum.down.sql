ALTER TABLE entity_13 DROP COLUMN status;
DROP TYPE entity_13_status;
