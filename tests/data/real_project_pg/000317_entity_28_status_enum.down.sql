ALTER TABLE entity_28 DROP COLUMN status;
DROP TYPE entity_28_status;
