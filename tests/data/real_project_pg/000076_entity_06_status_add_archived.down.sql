-- PostgreSQL cannot drop an enum value: rebuild the type without it.
ALTER TABLE entity_06 ALTER COLUMN status DROP DEFAULT;
ALTER TYPE entity_06_status RENAME TO entity_06_status_old;
CREATE TYPE entity_06_status AS ENUM ('new', 'active', 'it''s; odd');
ALTER TABLE entity_06 ALTER COLUMN status TYPE entity_06_status USING status::text::entity_06_status;
ALTER TABLE entity_06 ALTER COLUMN status SET DEFAULT 'new';
DROP TYPE entity_06_status_old;
