CREATE TYPE entity_10_status AS ENUM ('new', 'active', 'it''s; odd');
ALTER TABLE entity_10 ADD COLUMN status entity_10_status NOT NULL DEFAULT 'new';
