DROP TRIGGER entity_29_touch ON entity_29;
DROP FUNCTION entity_29_touch();
ALTER TABLE entity_29 DROP COLUMN updated_at;
