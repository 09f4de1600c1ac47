DROP TRIGGER entity_24_touch ON entity_24;
DROP FUNCTION entity_24_touch();
ALTER TABLE entity_24 DROP COLUMN updated_at;
