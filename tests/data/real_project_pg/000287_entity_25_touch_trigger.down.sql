DROP TRIGGER entity_25_touch ON entity_25;
DROP FUNCTION entity_25_touch();
ALTER TABLE entity_25 DROP COLUMN updated_at;
