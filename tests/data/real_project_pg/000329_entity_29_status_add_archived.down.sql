-- PostgreSQL cannot drop an enum value: rebuild the type without it.
ALTER TABLE entity_29 ALTER COLUMN status DROP DEFAULT;
ALTER TYPE entity_29_status RENAME TO entity_29_status_old;
CREATE TYPE entity_29_status AS ENUM ('new', 'active', 'it''s; odd');
ALTER TABLE entity_29 ALTER COLUMN status TYPE entity_29_status USING status::text::entity_29_status;
ALTER TABLE entity_29 ALTER COLUMN status SET DEFAULT 'new';
DROP TYPE entity_29_status_old;
