DROP INDEX entity_12_entity_11_id;
ALTER TABLE entity_12 DROP COLUMN entity_11_id;
