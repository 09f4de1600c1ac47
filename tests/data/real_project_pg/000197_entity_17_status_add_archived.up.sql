ALTER TYPE entity_17_status ADD VALUE IF NOT EXISTS 'archived';
