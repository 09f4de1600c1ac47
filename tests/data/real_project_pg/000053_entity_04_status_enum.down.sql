ALTER TABLE entity_04 DROP COLUMN status;
DROP TYPE entity_04_status;
