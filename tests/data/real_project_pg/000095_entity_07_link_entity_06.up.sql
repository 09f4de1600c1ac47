ALTER TABLE entity_07 ADD COLUMN entity_06_id bigint
    REFERENCES entity_06 (id) ON DELETE SET NULL;
CREATE INDEX entity_07_entity_06_id ON entity_07 (entity_06_id);
