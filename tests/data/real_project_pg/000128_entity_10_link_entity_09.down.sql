DROP INDEX entity_10_entity_09_id;
ALTER TABLE entity_10 DROP COLUMN entity_09_id;
