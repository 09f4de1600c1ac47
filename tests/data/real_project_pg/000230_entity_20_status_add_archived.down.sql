-- PostgreSQL cannot drop an enum value: rebuild the type without it.
ALTER TABLE entity_20 ALTER COLUMN status DROP DEFAULT;
ALTER TYPE entity_20_status RENAME TO entity_20_status_old;
CREATE TYPE entity_20_status AS ENUM ('new', 'active', 'it''s; odd');
ALTER TABLE entity_20 ALTER COLUMN status TYPE entity_20_status USING status::text::entity_20_status;
ALTER TABLE entity_20 ALTER COLUMN status SET DEFAULT 'new';
DROP TYPE entity_20_status_old;
