DROP TRIGGER entity_08_touch ON entity_08;
DROP FUNCTION entity_08_touch();
ALTER TABLE entity_08 DROP COLUMN updated_at;
