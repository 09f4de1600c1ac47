ALTER TABLE entity_08 DROP COLUMN status;
DROP TYPE entity_08_status;
