DROP TRIGGER entity_02_touch ON entity_02;
DROP FUNCTION entity_02_touch();
ALTER TABLE entity_02 DROP COLUMN updated_at;
