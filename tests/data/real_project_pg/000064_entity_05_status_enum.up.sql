CREATE TYPE entity_05_status AS ENUM ('new', 'active', 'it''s; odd');
ALTER TABLE entity_05 ADD COLUMN status entity_05_status NOT NULL DEFAULT 'new';
