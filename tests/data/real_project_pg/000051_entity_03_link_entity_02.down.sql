DROP INDEX entity_03_entity_02_id;
ALTER TABLE entity_03 DROP COLUMN entity_02_id;
