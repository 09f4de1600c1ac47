CREATE TYPE entity_18_status AS ENUM ('new', 'active', 'it''s; odd');
ALTER TABLE entity_18 ADD COLUMN status entity_18_status NOT NULL DEFAULT 'new';
