-- PostgreSQL cannot drop an enum value: rebuild the type without it.
ALTER TABLE entity_07 ALTER COLUMN status DROP DEFAULT;
ALTER TYPE entity_07_status RENAME TO entity_07_status_old;
CREATE TYPE entity_07_status AS ENUM ('new', 'active', 'it''s; odd');
ALTER TABLE entity_07 ALTER COLUMN status TYPE entity_07_status USING status::text::entity_07_status;
ALTER TABLE entity_07 ALTER COLUMN status SET DEFAULT 'new';
DROP TYPE entity_07_status_old;
