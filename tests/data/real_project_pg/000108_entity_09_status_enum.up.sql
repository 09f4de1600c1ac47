CREATE TYPE entity_09_status AS ENUM ('new', 'active', 'it''s; odd');
ALTER TABLE entity_09 ADD COLUMN status entity_09_status NOT NULL DEFAULT 'new';
