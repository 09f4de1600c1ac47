DROP TRIGGER entity_22_touch ON entity_22;
DROP FUNCTION entity_22_touch();
ALTER TABLE entity_22 DROP COLUMN updated_at;
