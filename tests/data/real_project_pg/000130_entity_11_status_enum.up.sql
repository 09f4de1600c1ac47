CREATE TYPE entity_11_status AS ENUM ('new', 'active', 'it''s; odd');
ALTER TABLE entity_11 ADD COLUMN status entity_11_status NOT NULL DEFAULT 'new';
