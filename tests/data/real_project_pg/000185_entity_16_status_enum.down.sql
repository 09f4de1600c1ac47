ALTER TABLE entity_16 DROP COLUMN status;
DROP TYPE entity_16_status;
