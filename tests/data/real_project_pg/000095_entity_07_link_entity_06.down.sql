DROP INDEX entity_07_entity_06_id;
ALTER TABLE entity_07 DROP COLUMN entity_06_id;
