CREATE TYPE entity_21_status AS ENUM ('new', 'active', 'it''s; odd');
ALTER TABLE entity_21 ADD COLUMN status entity_21_status NOT NULL DEFAULT 'new';
