ALTER TABLE entity_05 ADD COLUMN entity_04_id bigint
    REFERENCES entity_04 (id) ON DELETE SET NULL;
CREATE INDEX entity_05_entity_04_id ON entity_05 (entity_04_id);
