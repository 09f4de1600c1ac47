DROP TRIGGER entity_07_touch ON entity_07;
DROP FUNCTION entity_07_touch();
ALTER TABLE entity_07 DROP COLUMN updated_at;
