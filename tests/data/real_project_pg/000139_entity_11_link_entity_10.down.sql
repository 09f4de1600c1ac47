DROP INDEX entity_11_entity_10_id;
ALTER TABLE entity_11 DROP COLUMN entity_10_id;
