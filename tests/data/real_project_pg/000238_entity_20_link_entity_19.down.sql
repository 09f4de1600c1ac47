DROP INDEX entity_20_entity_19_id;
ALTER TABLE entity_20 DROP COLUMN entity_19_id;
