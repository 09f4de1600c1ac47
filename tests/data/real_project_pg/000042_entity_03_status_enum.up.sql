CREATE TYPE entity_03_status AS ENUM ('new', 'active', 'it''s; odd');
ALTER TABLE entity_03 ADD COLUMN status entity_03_status NOT NULL DEFAULT 'new';
