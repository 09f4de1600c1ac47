ALTER TYPE entity_09_status ADD VALUE IF NOT EXISTS 'archived';
