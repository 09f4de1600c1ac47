ALTER TABLE entity_18 DROP COLUMN status;
DROP TYPE entity_18_status;
