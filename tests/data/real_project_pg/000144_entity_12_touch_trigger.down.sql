DROP TRIGGER entity_12_touch ON entity_12;
DROP FUNCTION entity_12_touch();
ALTER TABLE entity_12 DROP COLUMN updated_at;
