-- PostgreSQL cannot drop an enum value: rebuild the type without it.
ALTER TABLE entity_14 ALTER COLUMN status DROP DEFAULT;
ALTER TYPE entity_14_status RENAME TO entity_14_status_old;
CREATE TYPE entity_14_status AS ENUM ('new', 'active', 'it''s; odd');
ALTER TABLE entity_14 ALTER COLUMN status TYPE entity_14_status USING status::text::entity_14_status;
ALTER TABLE entity_14 ALTER COLUMN status SET DEFAULT 'new';
DROP TYPE entity_14_status_old;
