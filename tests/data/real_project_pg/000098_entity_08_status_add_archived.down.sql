-- PostgreSQL cannot drop an enum value: rebuild the type without it.
ALTER TABLE entity_08 ALTER COLUMN status DROP DEFAULT;
ALTER TYPE entity_08_status RENAME TO entity_08_status_old;
CREATE TYPE entity_08_status AS ENUM ('new', 'active', 'it''s; odd');
ALTER TABLE entity_08 ALTER COLUMN status TYPE entity_08_status USING status::text::entity_08_status;
ALTER TABLE entity_08 ALTER COLUMN status SET DEFAULT 'new';
DROP TYPE entity_08_status_old;
