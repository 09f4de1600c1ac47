ALTER TABLE entity_18 ADD COLUMN entity_17_id bigint
    REFERENCES entity_17 (id) ON DELETE SET NULL;
CREATE INDEX entity_18_entity_17_id ON entity_18 (entity_17_id);
