CREATE TYPE entity_13_status AS ENUM ('new', 'active', 'it''s; odd');
ALTER TABLE entity_13 ADD COLUMN status entity_13_status NOT NULL DEFAULT 'new';
