DROP TRIGGER entity_27_touch ON entity_27;
DROP FUNCTION entity_27_touch();
ALTER TABLE entity_27 DROP COLUMN updated_at;
