-- PostgreSQL cannot drop an enum value: rebuild the type without it.
ALTER TABLE entity_17 ALTER COLUMN status DROP DEFAULT;
ALTER TYPE entity_17_status RENAME TO entity_17_status_old;
CREATE TYPE entity_17_status AS ENUM ('new', 'active', 'it''s; odd');
ALTER TABLE entity_17 ALTER COLUMN status TYPE entity_17_status USING status::text::entity_17_status;
ALTER TABLE entity_17 ALTER COLUMN status SET DEFAULT 'new';
DROP TYPE entity_17_status_old;
