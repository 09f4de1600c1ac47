-- PostgreSQL cannot drop an enum value: rebuild the type without it.
ALTER TABLE entity_04 ALTER COLUMN status DROP DEFAULT;
ALTER TYPE entity_04_status RENAME TO entity_04_status_old;
CREATE TYPE entity_04_status AS ENUM ('new', 'active', 'it''s; odd');
ALTER TABLE entity_04 ALTER COLUMN status TYPE entity_04_status USING status::text::entity_04_status;
ALTER TABLE entity_04 ALTER COLUMN status SET DEFAULT 'new';
DROP TYPE entity_04_status_old;
