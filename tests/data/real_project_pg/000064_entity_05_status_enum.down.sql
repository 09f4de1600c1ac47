ALTER TABLE entity_05 DROP COLUMN status;
DROP TYPE entity_05_status;
