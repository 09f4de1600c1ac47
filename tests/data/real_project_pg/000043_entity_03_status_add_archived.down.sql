-- PostgreSQL cannot drop an enum value: rebuild the type without it.
ALTER TABLE entity_03 ALTER COLUMN status DROP DEFAULT;
ALTER TYPE entity_03_status RENAME TO entity_03_status_old;
CREATE TYPE entity_03_status AS ENUM ('new', 'active', 'it''s; odd');
ALTER TABLE entity_03 ALTER COLUMN status TYPE entity_03_status USING status::text::entity_03_status;
ALTER TABLE entity_03 ALTER COLUMN status SET DEFAULT 'new';
DROP TYPE entity_03_status_old;
