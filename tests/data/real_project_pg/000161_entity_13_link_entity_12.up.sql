ALTER TABLE entity_13 ADD COLUMN entity_12_id bigint
    REFERENCES entity_12 (id) ON DELETE SET NULL;
CREATE INDEX entity_13_entity_12_id ON entity_13 (entity_12_id);
