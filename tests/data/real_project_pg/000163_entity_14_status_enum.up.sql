CREATE TYPE entity_14_status AS ENUM ('new', 'active', 'it''s; odd');
ALTER TABLE entity_14 ADD COLUMN status entity_14_status NOT NULL DEFAULT 'new';
