CREATE TYPE entity_25_status AS ENUM ('new', 'active', 'it''s; odd');
ALTER TABLE entity_25 ADD COLUMN status entity_25_status NOT NULL DEFAULT 'new';
