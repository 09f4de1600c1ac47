ALTER TABLE entity_24 ADD COLUMN entity_23_id bigint
    REFERENCES entity_23 (id) ON DELETE SET NULL;
CREATE INDEX entity_24_entity_23_id ON entity_24 (entity_23_id);
