ALTER TABLE entity_23 ADD COLUMN entity_22_id bigint
    REFERENCES entity_22 (id) ON DELETE SET NULL;
CREATE INDEX entity_23_entity_22_id ON entity_23 (entity_22_id);
