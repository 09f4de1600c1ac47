-- PostgreSQL cannot drop an enum value: rebuild the type without it.
ALTER TABLE entity_00 ALTER COLUMN status DROP DEFAULT;
ALTER TYPE entity_00_status RENAME TO entity_00_status_old;
CREATE TYPE entity_00_status AS ENUM ('new', 'active', 'it''s; odd');
ALTER TABLE entity_00 ALTER COLUMN status TYPE entity_00_status USING status::text::entity_00_status;
ALTER TABLE entity_00 ALTER COLUMN status SET DEFAULT 'new';
DROP TYPE entity_00_status_old;
