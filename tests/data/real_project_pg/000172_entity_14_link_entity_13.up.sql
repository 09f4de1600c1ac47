ALTER TABLE entity_14 ADD COLUMN entity_13_id bigint
    REFERENCES entity_13 (id) ON DELETE SET NULL;
CREATE INDEX entity_14_entity_13_id ON entity_14 (entity_13_id);
