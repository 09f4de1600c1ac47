DROP TRIGGER entity_09_touch ON entity_09;
DROP FUNCTION entity_09_touch();
ALTER TABLE entity_09 DROP COLUMN updated_at;
