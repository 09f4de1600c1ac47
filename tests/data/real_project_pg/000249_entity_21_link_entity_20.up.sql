ALTER TABLE entity_21 ADD COLUMN entity_20_id bigint
    REFERENCES entity_20 (id) ON DELETE SET NULL;
CREATE INDEX entity_21_entity_20_id ON entity_21 (entity_20_id);
