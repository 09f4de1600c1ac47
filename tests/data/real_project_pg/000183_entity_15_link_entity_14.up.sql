ALTER TABLE entity_15 ADD COLUMN entity_14_id bigint
    REFERENCES entity_14 (id) ON DELETE SET NULL;
CREATE INDEX entity_15_entity_14_id ON entity_15 (entity_14_id);
