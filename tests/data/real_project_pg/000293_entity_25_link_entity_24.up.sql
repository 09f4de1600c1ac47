ALTER TABLE entity_25 ADD COLUMN entity_24_id bigint
    REFERENCES entity_24 (id) ON DELETE SET NULL;
CREATE INDEX entity_25_entity_24_id ON entity_25 (entity_24_id);
