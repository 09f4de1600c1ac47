-- PostgreSQL cannot drop an enum value: rebuild the type without it.
ALTER TABLE entity_09 ALTER COLUMN status DROP DEFAULT;
ALTER TYPE entity_09_status RENAME TO entity_09_status_old;
CREATE TYPE entity_09_status AS ENUM ('new', 'active', 'it''s; odd');
ALTER TABLE entity_09 ALTER COLUMN status TYPE entity_09_status USING status::text::entity_09_status;
ALTER TABLE entity_09 ALTER COLUMN status SET DEFAULT 'new';
DROP TYPE entity_09_status_old;
