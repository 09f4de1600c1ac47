DROP TRIGGER entity_14_touch ON entity_14;
DROP FUNCTION entity_14_touch();
ALTER TABLE entity_14 DROP COLUMN updated_at;
