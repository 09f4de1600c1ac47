-- PostgreSQL cannot drop an enum value: rebuild the type without it.
ALTER TABLE entity_21 ALTER COLUMN status DROP DEFAULT;
ALTER TYPE entity_21_status RENAME TO entity_21_status_old;
CREATE TYPE entity_21_status AS ENUM ('new', 'active', 'it''s; odd');
ALTER TABLE entity_21 ALTER COLUMN status TYPE entity_21_status USING status::text::entity_21_status;
ALTER TABLE entity_21 ALTER COLUMN status SET DEFAULT 'new';
DROP TYPE entity_21_status_old;
