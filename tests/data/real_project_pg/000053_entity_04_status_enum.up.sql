CREATE TYPE entity_04_status AS ENUM ('new', 'active', 'it''s; odd');
ALTER TABLE entity_04 ADD COLUMN status entity_04_status NOT NULL DEFAULT 'new';
