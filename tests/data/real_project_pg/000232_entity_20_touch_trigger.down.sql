DROP TRIGGER entity_20_touch ON entity_20;
DROP FUNCTION entity_20_touch();
ALTER TABLE entity_20 DROP COLUMN updated_at;
