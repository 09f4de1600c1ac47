ALTER TYPE entity_29_status ADD VALUE IF NOT EXISTS 'archived';
