-- PostgreSQL cannot drop an enum value: rebuild the type without it.
ALTER TABLE entity_13 ALTER COLUMN status DROP DEFAULT;
ALTER TYPE entity_13_status RENAME TO entity_13_status_old;
CREATE TYPE entity_13_status AS ENUM ('new', 'active', 'it''s; odd');
ALTER TABLE entity_13 ALTER COLUMN status TYPE entity_13_status USING status::text::entity_13_status;
ALTER TABLE entity_13 ALTER COLUMN status SET DEFAULT 'new';
DROP TYPE entity_13_status_old;
