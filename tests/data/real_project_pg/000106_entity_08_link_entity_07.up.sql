ALTER TABLE entity_08 ADD COLUMN entity_07_id bigint
    REFERENCES entity_07 (id) ON DELETE SET NULL;
CREATE INDEX entity_08_entity_07_id ON entity_08 (entity_07_id);
