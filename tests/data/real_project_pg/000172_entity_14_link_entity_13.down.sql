DROP INDEX entity_14_entity_13_id;
ALTER TABLE entity_14 DROP COLUMN entity_13_id;
