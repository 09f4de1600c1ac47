-- PostgreSQL cannot drop an enum value: rebuild the type without it.
ALTER TABLE entity_27 ALTER COLUMN status DROP DEFAULT;
ALTER TYPE entity_27_status RENAME TO entity_27_status_old;
CREATE TYPE entity_27_status AS ENUM ('new', 'active', 'it''s; odd');
ALTER TABLE entity_27 ALTER COLUMN status TYPE entity_27_status USING status::text::entity_27_status;
ALTER TABLE entity_27 ALTER COLUMN status SET DEFAULT 'new';
DROP TYPE entity_27_status_old;
