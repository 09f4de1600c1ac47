DROP INDEX entity_28_entity_27_id;
ALTER TABLE entity_28 DROP COLUMN entity_27_id;
