DROP TRIGGER entity_28_touch ON entity_28;
DROP FUNCTION entity_28_touch();
ALTER TABLE entity_28 DROP COLUMN updated_at;
