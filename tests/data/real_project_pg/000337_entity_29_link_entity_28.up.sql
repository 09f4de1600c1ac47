ALTER TABLE entity_29 ADD COLUMN entity_28_id bigint
    REFERENCES entity_28 (id) ON DELETE SET NULL;
CREATE INDEX entity_29_entity_28_id ON entity_29 (entity_28_id);
