ALTER TABLE entity_11 ADD COLUMN entity_10_id bigint
    REFERENCES entity_10 (id) ON DELETE SET NULL;
CREATE INDEX entity_11_entity_10_id ON entity_11 (entity_10_id);
