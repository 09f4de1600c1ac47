DROP TRIGGER entity_10_touch ON entity_10;
DROP FUNCTION entity_10_touch();
ALTER TABLE entity_10 DROP COLUMN updated_at;
