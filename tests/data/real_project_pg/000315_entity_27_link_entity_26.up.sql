ALTER TABLE entity_27 ADD COLUMN entity_26_id bigint
    REFERENCES entity_26 (id) ON DELETE SET NULL;
CREATE INDEX entity_27_entity_26_id ON entity_27 (entity_26_id);
