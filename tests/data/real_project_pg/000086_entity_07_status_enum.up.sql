CREATE TYPE entity_07_status AS ENUM ('new', 'active', 'it''s; odd');
ALTER TABLE entity_07 ADD COLUMN status entity_07_status NOT NULL DEFAULT 'new';
