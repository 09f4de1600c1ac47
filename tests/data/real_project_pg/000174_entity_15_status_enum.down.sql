ALTER TABLE entity_15 DROP COLUMN status;
DROP TYPE entity_15_status;
