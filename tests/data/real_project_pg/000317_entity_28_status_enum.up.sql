CREATE TYPE entity_28_status AS ENUM ('new', 'active', 'it''s; odd');
ALTER TABLE entity_28 ADD COLUMN status entity_28_status NOT NULL DEFAULT 'new';
