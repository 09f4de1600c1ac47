DROP TRIGGER entity_06_touch ON entity_06;
DROP FUNCTION entity_06_touch();
ALTER TABLE entity_06 DROP COLUMN updated_at;
