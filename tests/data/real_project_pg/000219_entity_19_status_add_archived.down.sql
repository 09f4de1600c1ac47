-- PostgreSQL cannot drop an enum value: rebuild the type without it.
ALTER TABLE entity_19 ALTER COLUMN status DROP DEFAULT;
ALTER TYPE entity_19_status RENAME TO entity_19_status_old;
CREATE TYPE entity_19_status AS ENUM ('new', 'active', 'it''s; odd');
ALTER TABLE entity_19 ALTER COLUMN status TYPE entity_19_status USING status::text::entity_19_status;
ALTER TABLE entity_19 ALTER COLUMN status SET DEFAULT 'new';
DROP TYPE entity_19_status_old;
