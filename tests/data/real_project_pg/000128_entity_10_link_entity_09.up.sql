ALTER TABLE entity_10 ADD COLUMN entity_09_id bigint
    REFERENCES entity_09 (id) ON DELETE SET NULL;
CREATE INDEX entity_10_entity_09_id ON entity_10 (entity_09_id);
