ALTER TABLE entity_24 DROP COLUMN status;
DROP TYPE entity_24_status;
