ALTER TABLE entity_26 DROP COLUMN status;
DROP TYPE entity_26_status;
