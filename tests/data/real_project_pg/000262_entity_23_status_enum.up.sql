CREATE TYPE entity_23_status AS ENUM ('new', 'active', 'it''s; odd');
ALTER TABLE entity_23 ADD COLUMN status entity_23_status NOT NULL DEFAULT 'new';
