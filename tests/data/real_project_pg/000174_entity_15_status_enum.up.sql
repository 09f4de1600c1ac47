CREATE TYPE entity_15_status AS ENUM ('new', 'active', 'it''s; odd');
ALTER TABLE entity_15 ADD COLUMN status entity_15_status NOT NULL DEFAULT 'new';
