-- PostgreSQL cannot drop an enum value: rebuild the type without it.
ALTER TABLE entity_12 ALTER COLUMN status DROP DEFAULT;
ALTER TYPE entity_12_status RENAME TO entity_12_status_old;
CREATE TYPE entity_12_status AS ENUM ('new', 'active', 'it''s; odd');
ALTER TABLE entity_12 ALTER COLUMN status TYPE entity_12_status USING status::text::entity_12_status;
ALTER TABLE entity_12 ALTER COLUMN status SET DEFAULT 'new';
DROP TYPE entity_12_status_old;
