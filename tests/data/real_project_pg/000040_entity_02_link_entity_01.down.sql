DROP INDEX entity_02_entity_01_id;
ALTER TABLE entity_02 DROP COLUMN entity_01_id;
