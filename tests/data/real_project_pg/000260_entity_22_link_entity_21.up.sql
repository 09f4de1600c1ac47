ALTER TABLE entity_22 ADD COLUMN entity_21_id bigint
    REFERENCES entity_21 (id) ON DELETE SET NULL;
CREATE INDEX entity_22_entity_21_id ON entity_22 (entity_21_id);
