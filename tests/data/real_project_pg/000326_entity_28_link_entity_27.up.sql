ALTER TABLE entity_28 ADD COLUMN entity_27_id bigint
    REFERENCES entity_27 (id) ON DELETE SET NULL;
CREATE INDEX entity_28_entity_27_id ON entity_28 (entity_27_id);
