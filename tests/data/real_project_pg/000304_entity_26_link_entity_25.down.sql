DROP INDEX entity_26_entity_25_id;
ALTER TABLE entity_26 DROP COLUMN entity_25_id;
