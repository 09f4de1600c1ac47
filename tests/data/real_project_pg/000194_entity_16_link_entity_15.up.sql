ALTER TABLE entity_16 ADD COLUMN entity_15_id bigint
    REFERENCES entity_15 (id) ON DELETE SET NULL;
CREATE INDEX entity_16_entity_15_id ON entity_16 (entity_15_id);
