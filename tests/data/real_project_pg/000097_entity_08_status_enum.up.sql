CREATE TYPE entity_08_status AS ENUM ('new', 'active', 'it''s; odd');
ALTER TABLE entity_08 ADD COLUMN status entity_08_status NOT NULL DEFAULT 'new';
