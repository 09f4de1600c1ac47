CREATE TYPE entity_01_status AS ENUM ('new', 'active', 'it''s; odd');
ALTER TABLE entity_01 ADD COLUMN status entity_01_status NOT NULL DEFAULT 'new';
