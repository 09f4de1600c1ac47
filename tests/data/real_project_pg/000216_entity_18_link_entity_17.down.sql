DROP INDEX entity_18_entity_17_id;
ALTER TABLE entity_18 DROP COLUMN entity_17_id;
