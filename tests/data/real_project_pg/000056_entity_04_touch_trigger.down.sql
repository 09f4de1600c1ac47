DROP TRIGGER entity_04_touch ON entity_04;
DROP FUNCTION entity_04_touch();
ALTER TABLE entity_04 DROP COLUMN updated_at;
