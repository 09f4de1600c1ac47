DROP TRIGGER entity_15_touch ON entity_15;
DROP FUNCTION entity_15_touch();
ALTER TABLE entity_15 DROP COLUMN updated_at;
