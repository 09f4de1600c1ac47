ALTER TYPE entity_24_status ADD VALUE IF NOT EXISTS 'archived';
