-- PostgreSQL cannot drop an enum value: rebuild the type without it.
ALTER TABLE entity_02 ALTER COLUMN status DROP DEFAULT;
ALTER TYPE entity_02_status RENAME TO entity_02_status_old;
CREATE TYPE entity_02_status AS ENUM ('new', 'active', 'it''s; odd');
ALTER TABLE entity_02 ALTER COLUMN status TYPE entity_02_status USING status::text::entity_02_status;
ALTER TABLE entity_02 ALTER COLUMN status SET DEFAULT 'new';
DROP TYPE entity_02_status_old;
