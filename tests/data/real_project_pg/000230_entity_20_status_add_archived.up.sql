ALTER TYPE entity_20_status ADD VALUE IF NOT EXISTS 'archived';
