ALTER TABLE entity_19 ADD COLUMN entity_18_id bigint
    REFERENCES entity_18 (id) ON DELETE SET NULL;
CREATE INDEX entity_19_entity_18_id ON entity_19 (entity_18_id);
