DROP TRIGGER entity_26_touch ON entity_26;
DROP FUNCTION entity_26_touch();
ALTER TABLE entity_26 DROP COLUMN updated_at;
