DROP INDEX entity_23_entity_22_id;
ALTER TABLE entity_23 DROP COLUMN entity_22_id;
