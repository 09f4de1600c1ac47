CREATE TYPE entity_27_status AS ENUM ('new', 'active', 'it''s; odd');
ALTER TABLE entity_27 ADD COLUMN status entity_27_status NOT NULL DEFAULT 'new';
