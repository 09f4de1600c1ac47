ALTER TABLE entity_23 DROP COLUMN status;
DROP TYPE entity_23_status;
