ALTER TABLE entity_26 ADD COLUMN entity_25_id bigint
    REFERENCES entity_25 (id) ON DELETE SET NULL;
CREATE INDEX entity_26_entity_25_id ON entity_26 (entity_25_id);
