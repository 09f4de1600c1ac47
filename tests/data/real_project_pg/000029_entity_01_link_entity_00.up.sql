ALTER TABLE entity_01 ADD COLUMN entity_00_id bigint
    REFERENCES entity_00 (id) ON DELETE SET NULL;
CREATE INDEX entity_01_entity_00_id ON entity_01 (entity_00_id);
