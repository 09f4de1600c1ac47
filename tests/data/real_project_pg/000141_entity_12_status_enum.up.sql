CREATE TYPE entity_12_status AS ENUM ('new', 'active', 'it''s; odd');
ALTER TABLE entity_12 ADD COLUMN status entity_12_status NOT NULL DEFAULT 'new';
