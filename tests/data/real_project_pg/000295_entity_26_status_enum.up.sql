CREATE TYPE entity_26_status AS ENUM ('new', 'active', 'it''s; odd');
ALTER TABLE entity_26 ADD COLUMN status entity_26_status NOT NULL DEFAULT 'new';
