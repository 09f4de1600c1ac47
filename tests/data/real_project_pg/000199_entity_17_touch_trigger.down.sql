DROP TRIGGER entity_17_touch ON entity_17;
DROP FUNCTION entity_17_touch();
ALTER TABLE entity_17 DROP COLUMN updated_at;
