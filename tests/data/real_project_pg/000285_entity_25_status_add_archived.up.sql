ALTER TYPE entity_25_status ADD VALUE IF NOT EXISTS 'archived';
