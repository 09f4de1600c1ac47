CREATE TYPE entity_19_status AS ENUM ('new', 'active', 'it''s; odd');
ALTER TABLE entity_19 ADD COLUMN status entity_19_status NOT NULL DEFAULT 'new';
