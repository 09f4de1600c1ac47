DROP TRIGGER entity_16_touch ON entity_16;
DROP FUNCTION entity_16_touch();
ALTER TABLE entity_16 DROP COLUMN updated_at;
