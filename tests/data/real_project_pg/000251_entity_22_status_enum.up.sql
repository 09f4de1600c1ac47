CREATE TYPE entity_22_status AS ENUM ('new', 'active', 'it''s; odd');
ALTER TABLE entity_22 ADD COLUMN status entity_22_status NOT NULL DEFAULT 'new';
