ALTER TABLE entity_04 ADD COLUMN entity_03_id bigint
    REFERENCES entity_03 (id) ON DELETE SET NULL;
CREATE INDEX entity_04_entity_03_id ON entity_04 (entity_03_id);
