CREATE TYPE entity_06_status AS ENUM ('new', 'active', 'it''s; odd');
ALTER TABLE entity_06 ADD COLUMN status entity_06_status NOT NULL DEFAULT 'new';
