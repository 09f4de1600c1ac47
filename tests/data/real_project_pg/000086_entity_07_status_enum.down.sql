ALTER TABLE entity_07 DROP COLUMN status;
DROP TYPE entity_07_status;
