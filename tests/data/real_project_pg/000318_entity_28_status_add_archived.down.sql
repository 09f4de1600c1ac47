-- PostgreSQL cannot drop an enum value: rebuild the type without it.
ALTER TABLE entity_28 ALTER COLUMN status DROP DEFAULT;
ALTER TYPE entity_28_status RENAME TO entity_28_status_old;
CREATE TYPE entity_28_status AS ENUM ('new', 'active', 'it''s; odd');
ALTER TABLE entity_28 ALTER COLUMN status TYPE entity_28_status USING status::text::entity_28_status;
ALTER TABLE entity_28 ALTER COLUMN status SET DEFAULT 'new';
DROP TYPE entity_28_status_old;
