-- PostgreSQL cannot drop an enum value: rebuild the type without it.
ALTER TABLE entity_01 ALTER COLUMN status DROP DEFAULT;
ALTER TYPE entity_01_status RENAME TO entity_01_status_old;
CREATE TYPE entity_01_status AS ENUM ('new', 'active', 'it''s; odd');
ALTER TABLE entity_01 ALTER COLUMN status TYPE entity_01_status USING status::text::entity_01_status;
ALTER TABLE entity_01 ALTER COLUMN status SET DEFAULT 'new';
DROP TYPE entity_01_status_old;
