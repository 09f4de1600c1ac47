-- PostgreSQL cannot drop an enum value: rebuild the type without it.
ALTER TABLE entity_24 ALTER COLUMN status DROP DEFAULT;
ALTER TYPE entity_24_status RENAME TO entity_24_status_old;
CREATE TYPE entity_24_status AS ENUM ('new', 'active', 'it''s; odd');
ALTER TABLE entity_24 ALTER COLUMN status TYPE entity_24_status USING status::text::entity_24_status;
ALTER TABLE entity_24 ALTER COLUMN status SET DEFAULT 'new';
DROP TYPE entity_24_status_old;
