DROP INDEX entity_09_entity_08_id;
ALTER TABLE entity_09 DROP COLUMN entity_08_id;
