ALTER TABLE entity_12 ADD COLUMN entity_11_id bigint
    REFERENCES entity_11 (id) ON DELETE SET NULL;
CREATE INDEX entity_12_entity_11_id ON entity_12 (entity_11_id);
