DROP TRIGGER entity_05_touch ON entity_05;
DROP FUNCTION entity_05_touch();
ALTER TABLE entity_05 DROP COLUMN updated_at;
