ALTER TABLE entity_09 ADD COLUMN entity_08_id bigint
    REFERENCES entity_08 (id) ON DELETE SET NULL;
CREATE INDEX entity_09_entity_08_id ON entity_09 (entity_08_id);
