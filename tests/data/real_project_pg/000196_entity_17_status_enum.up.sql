CREATE TYPE entity_17_status AS ENUM ('new', 'active', 'it''s; odd');
ALTER TABLE entity_17 ADD COLUMN status entity_17_status NOT NULL DEFAULT 'new';
