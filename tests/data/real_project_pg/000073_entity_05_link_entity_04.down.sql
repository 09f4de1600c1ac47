DROP INDEX entity_05_entity_04_id;
ALTER TABLE entity_05 DROP COLUMN entity_04_id;
