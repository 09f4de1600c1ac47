ALTER TABLE entity_20 DROP COLUMN status;
DROP TYPE entity_20_status;
