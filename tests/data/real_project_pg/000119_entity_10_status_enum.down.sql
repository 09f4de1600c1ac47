ALTER TABLE entity_10 DROP COLUMN status;
DROP TYPE entity_10_status;
