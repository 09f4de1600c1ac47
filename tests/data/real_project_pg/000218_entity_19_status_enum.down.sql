ALTER TABLE entity_19 DROP COLUMN status;
DROP TYPE entity_19_status;
