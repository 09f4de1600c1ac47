DROP TRIGGER entity_00_touch ON entity_00;
DROP FUNCTION entity_00_touch();
ALTER TABLE entity_00 DROP COLUMN updated_at;
