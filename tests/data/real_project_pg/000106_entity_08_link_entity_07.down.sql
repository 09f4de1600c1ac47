DROP INDEX entity_08_entity_07_id;
ALTER TABLE entity_08 DROP COLUMN entity_07_id;
