ALTER TABLE entity_03 ADD COLUMN entity_02_id bigint
    REFERENCES entity_02 (id) ON DELETE SET NULL;
CREATE INDEX entity_03_entity_02_id ON entity_03 (entity_02_id);
