DROP TRIGGER entity_01_touch ON entity_01;
DROP FUNCTION entity_01_touch();
ALTER TABLE entity_01 DROP COLUMN updated_at;
