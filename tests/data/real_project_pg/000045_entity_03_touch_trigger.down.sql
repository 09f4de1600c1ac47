DROP TRIGGER entity_03_touch ON entity_03;
DROP FUNCTION entity_03_touch();
ALTER TABLE entity_03 DROP COLUMN updated_at;
