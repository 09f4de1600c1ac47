-- PostgreSQL cannot drop an enum value: rebuild the type without it.
ALTER TABLE entity_25 ALTER COLUMN status DROP DEFAULT;
ALTER TYPE entity_25_status RENAME TO entity_25_status_old;
CREATE TYPE entity_25_status AS ENUM ('new', 'active', 'it''s; odd');
ALTER TABLE entity_25 ALTER COLUMN status TYPE entity_25_status USING status::text::entity_25_status;
ALTER TABLE entity_25 ALTER COLUMN status SET DEFAULT 'new';
DROP TYPE entity_25_status_old;
