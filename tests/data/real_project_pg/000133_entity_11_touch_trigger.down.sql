DROP TRIGGER entity_11_touch ON entity_11;
DROP FUNCTION entity_11_touch();
ALTER TABLE entity_11 DROP COLUMN updated_at;
