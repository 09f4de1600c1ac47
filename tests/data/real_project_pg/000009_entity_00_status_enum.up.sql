CREATE TYPE entity_00_status AS ENUM ('new', 'active', 'it''s; odd');
ALTER TABLE entity_00 ADD COLUMN status entity_00_status NOT NULL DEFAULT 'new';
