DROP INDEX entity_13_entity_12_id;
ALTER TABLE entity_13 DROP COLUMN entity_12_id;
