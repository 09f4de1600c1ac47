DROP INDEX entity_25_entity_24_id;
ALTER TABLE entity_25 DROP COLUMN entity_24_id;
