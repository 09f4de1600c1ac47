DROP INDEX entity_17_entity_16_id;
ALTER TABLE entity_17 DROP COLUMN entity_16_id;
