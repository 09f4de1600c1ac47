-- PostgreSQL cannot drop an enum value: rebuild the type without it.
ALTER TABLE entity_26 ALTER COLUMN status DROP DEFAULT;
ALTER TYPE entity_26_status RENAME TO entity_26_status_old;
CREATE TYPE entity_26_status AS ENUM ('new', 'active', 'it''s; odd');
ALTER TABLE entity_26 ALTER COLUMN status TYPE entity_26_status USING status::text::entity_26_status;
ALTER TABLE entity_26 ALTER COLUMN status SET DEFAULT 'new';
DROP TYPE entity_26_status_old;
