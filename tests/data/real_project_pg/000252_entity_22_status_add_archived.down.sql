-- PostgreSQL cannot drop an enum value: rebuild the type without it.
ALTER TABLE entity_22 ALTER COLUMN status DROP DEFAULT;
ALTER TYPE entity_22_status RENAME TO entity_22_status_old;
CREATE TYPE entity_22_status AS ENUM ('new', 'active', 'it''s; odd');
ALTER TABLE entity_22 ALTER COLUMN status TYPE entity_22_status USING status::text::entity_22_status;
ALTER TABLE entity_22 ALTER COLUMN status SET DEFAULT 'new';
DROP TYPE entity_22_status_old;
