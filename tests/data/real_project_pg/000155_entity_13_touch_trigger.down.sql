DROP TRIGGER entity_13_touch ON entity_13;
DROP FUNCTION entity_13_touch();
ALTER TABLE entity_13 DROP COLUMN updated_at;
