DROP INDEX entity_15_entity_14_id;
ALTER TABLE entity_15 DROP COLUMN entity_14_id;
