ALTER TABLE entity_09 DROP COLUMN status;
DROP TYPE entity_09_status;
