DROP INDEX entity_04_entity_03_id;
ALTER TABLE entity_04 DROP COLUMN entity_03_id;
