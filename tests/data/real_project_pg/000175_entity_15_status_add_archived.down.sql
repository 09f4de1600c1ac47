-- PostgreSQL cannot drop an enum value: rebuild the type without it.
ALTER TABLE entity_15 ALTER COLUMN status DROP DEFAULT;
ALTER TYPE entity_15_status RENAME TO entity_15_status_old;
CREATE TYPE entity_15_status AS ENUM ('new', 'active', 'it''s; odd');
ALTER TABLE entity_15 ALTER COLUMN status TYPE entity_15_status USING status::text::entity_15_status;
ALTER TABLE entity_15 ALTER COLUMN status SET DEFAULT 'new';
DROP TYPE entity_15_status_old;
