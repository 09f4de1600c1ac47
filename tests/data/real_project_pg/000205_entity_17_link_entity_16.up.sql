ALTER TABLE entity_17 ADD COLUMN entity_16_id bigint
    REFERENCES entity_16 (id) ON DELETE SET NULL;
CREATE INDEX entity_17_entity_16_id ON entity_17 (entity_16_id);
