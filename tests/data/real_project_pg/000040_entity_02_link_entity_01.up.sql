ALTER TABLE entity_02 ADD COLUMN entity_01_id bigint
    REFERENCES entity_01 (id) ON DELETE SET NULL;
CREATE INDEX entity_02_entity_01_id ON entity_02 (entity_01_id);
