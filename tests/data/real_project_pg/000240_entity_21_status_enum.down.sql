ALTER TABLE entity_21 DROP COLUMN status;
DROP TYPE entity_21_status;
