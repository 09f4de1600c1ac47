ALTER TABLE entity_14 DROP COLUMN status;
DROP TYPE entity_14_status;
