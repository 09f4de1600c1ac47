DROP TRIGGER entity_21_touch ON entity_21;
DROP FUNCTION entity_21_touch();
ALTER TABLE entity_21 DROP COLUMN updated_at;
