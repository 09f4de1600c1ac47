-- PostgreSQL cannot drop an enum value: rebuild the type without it.
ALTER TABLE entity_05 ALTER COLUMN status DROP DEFAULT;
ALTER TYPE entity_05_status RENAME TO entity_05_status_old;
CREATE TYPE entity_05_status AS ENUM ('new', 'active', 'it''s; odd');
ALTER TABLE entity_05 ALTER COLUMN status TYPE entity_05_status USING status::text::entity_05_status;
ALTER TABLE entity_05 ALTER COLUMN status SET DEFAULT 'new';
DROP TYPE entity_05_status_old;
