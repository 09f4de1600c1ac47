DROP INDEX entity_24_entity_23_id;
ALTER TABLE entity_24 DROP COLUMN entity_23_id;
