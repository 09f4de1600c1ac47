DROP INDEX entity_01_entity_00_id;
ALTER TABLE entity_01 DROP COLUMN entity_00_id;
