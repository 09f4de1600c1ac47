ALTER TABLE entity_20 ADD COLUMN entity_19_id bigint
    REFERENCES entity_19 (id) ON DELETE SET NULL;
CREATE INDEX entity_20_entity_19_id ON entity_20 (entity_19_id);
