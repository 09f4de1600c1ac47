DROP INDEX entity_22_entity_21_id;
ALTER TABLE entity_22 DROP COLUMN entity_21_id;
