-- PostgreSQL cannot drop an enum value: rebuild the type without it.
ALTER TABLE entity_18 ALTER COLUMN status DROP DEFAULT;
ALTER TYPE entity_18_status RENAME TO entity_18_status_old;
CREATE TYPE entity_18_status AS ENUM ('new', 'active', 'it''s; odd');
ALTER TABLE entity_18 ALTER COLUMN status TYPE entity_18_status USING status::text::entity_18_status;
ALTER TABLE entity_18 ALTER COLUMN status SET DEFAULT 'new';
DROP TYPE entity_18_status_old;
