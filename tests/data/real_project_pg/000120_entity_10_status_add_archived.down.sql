-- PostgreSQL cannot drop an enum value: rebuild the type without it.
ALTER TABLE entity_10 ALTER COLUMN status DROP DEFAULT;
ALTER TYPE entity_10_status RENAME TO entity_10_status_old;
CREATE TYPE entity_10_status AS ENUM ('new', 'active', 'it''s; odd');
ALTER TABLE entity_10 ALTER COLUMN status TYPE entity_10_status USING status::text::entity_10_status;
ALTER TABLE entity_10 ALTER COLUMN status SET DEFAULT 'new';
DROP TYPE entity_10_status_old;
