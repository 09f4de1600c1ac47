DROP TRIGGER entity_19_touch ON entity_19;
DROP FUNCTION entity_19_touch();
ALTER TABLE entity_19 DROP COLUMN updated_at;
