DROP INDEX entity_21_entity_20_id;
ALTER TABLE entity_21 DROP COLUMN entity_20_id;
