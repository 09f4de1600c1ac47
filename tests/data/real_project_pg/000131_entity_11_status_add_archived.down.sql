-- PostgreSQL cannot drop an enum value: rebuild the type without it.
ALTER TABLE entity_11 ALTER COLUMN status DROP DEFAULT;
ALTER TYPE entity_11_status RENAME TO entity_11_status_old;
CREATE TYPE entity_11_status AS ENUM ('new', 'active', 'it''s; odd');
ALTER TABLE entity_11 ALTER COLUMN status TYPE entity_11_status USING status::text::entity_11_status;
ALTER TABLE entity_11 ALTER COLUMN status SET DEFAULT 'new';
DROP TYPE entity_11_status_old;
