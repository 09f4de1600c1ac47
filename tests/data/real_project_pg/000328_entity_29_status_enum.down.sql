ALTER TABLE entity_29 DROP COLUMN status;
DROP TYPE entity_29_status;
