ALTER TABLE entity_22 DROP COLUMN status;
DROP TYPE entity_22_status;
