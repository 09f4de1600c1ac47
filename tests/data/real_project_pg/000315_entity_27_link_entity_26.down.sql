DROP INDEX entity_27_entity_26_id;
ALTER TABLE entity_27 DROP COLUMN entity_26_id;
