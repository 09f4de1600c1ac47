CREATE TYPE entity_29_status AS ENUM ('new', 'active', 'it''s; odd');
ALTER TABLE entity_29 ADD COLUMN status entity_29_status NOT NULL DEFAULT 'new';
