CREATE TYPE entity_24_status AS ENUM ('new', 'active', 'it''s; odd');
ALTER TABLE entity_24 ADD COLUMN status entity_24_status NOT NULL DEFAULT 'new';
