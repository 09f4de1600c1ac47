-- PostgreSQL cannot drop an enum value: rebuild the type without it.
ALTER TABLE entity_16 ALTER COLUMN status DROP DEFAULT;
ALTER TYPE entity_16_status RENAME TO entity_16_status_old;
CREATE TYPE entity_16_status AS ENUM ('new', 'active', 'it''s; odd');
ALTER TABLE entity_16 ALTER COLUMN status TYPE entity_16_status USING status::text::entity_16_status;
ALTER TABLE entity_16 ALTER COLUMN status SET DEFAULT 'new';
DROP TYPE entity_16_status_old;
