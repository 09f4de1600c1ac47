DROP INDEX entity_16_entity_15_id;
ALTER TABLE entity_16 DROP COLUMN entity_15_id;
