-- PostgreSQL cannot drop an enum value: rebuild the type without it.
ALTER TABLE entity_23 ALTER COLUMN status DROP DEFAULT;
ALTER TYPE entity_23_status RENAME TO entity_23_status_old;
CREATE TYPE entity_23_status AS ENUM ('new', 'active', 'it''s; odd');
ALTER TABLE entity_23 ALTER COLUMN status TYPE entity_23_status USING status::text::entity_23_status;
ALTER TABLE entity_23 ALTER COLUMN status SET DEFAULT 'new';
DROP TYPE entity_23_status_old;
