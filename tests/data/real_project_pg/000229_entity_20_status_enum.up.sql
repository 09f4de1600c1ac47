CREATE TYPE entity_20_status AS ENUM ('new', 'active', 'it''s; odd');
ALTER TABLE entity_20 ADD COLUMN status entity_20_status NOT NULL DEFAULT 'new';
