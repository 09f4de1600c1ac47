DROP INDEX entity_29_entity_28_id;
ALTER TABLE entity_29 DROP COLUMN entity_28_id;
