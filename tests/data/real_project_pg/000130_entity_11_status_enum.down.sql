ALTER TABLE entity_11 DROP COLUMN status;
DROP TYPE entity_11_status;
