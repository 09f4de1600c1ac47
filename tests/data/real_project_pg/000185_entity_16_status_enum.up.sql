CREATE TYPE entity_16_status AS ENUM ('new', 'active', 'it''s; odd');
ALTER TABLE entity_16 ADD COLUMN status entity_16_status NOT NULL DEFAULT 'new';
