DROP INDEX entity_06_entity_05_id;
ALTER TABLE entity_06 DROP COLUMN entity_05_id;
