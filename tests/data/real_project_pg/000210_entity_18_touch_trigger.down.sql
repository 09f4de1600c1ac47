DROP TRIGGER entity_18_touch ON entity_18;
DROP FUNCTION entity_18_touch();
ALTER TABLE entity_18 DROP COLUMN updated_at;
