CREATE TYPE entity_02_status AS ENUM ('new', 'active', 'it''s; odd');
ALTER TABLE entity_02 ADD COLUMN status entity_02_status NOT NULL DEFAULT 'new';
