ALTER TABLE entity_06 ADD COLUMN entity_05_id bigint
    REFERENCES entity_05 (id) ON DELETE SET NULL;
CREATE INDEX entity_06_entity_05_id ON entity_06 (entity_05_id);
