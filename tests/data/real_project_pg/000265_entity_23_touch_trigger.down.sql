DROP TRIGGER entity_23_touch ON entity_23;
DROP FUNCTION entity_23_touch();
ALTER TABLE entity_23 DROP COLUMN updated_at;
