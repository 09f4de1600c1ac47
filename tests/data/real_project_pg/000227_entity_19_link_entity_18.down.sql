DROP INDEX entity_19_entity_18_id;
ALTER TABLE entity_19 DROP COLUMN entity_18_id;
