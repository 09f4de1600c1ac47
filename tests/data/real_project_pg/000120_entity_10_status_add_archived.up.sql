ALTER TYPE entity_10_status ADD VALUE IF NOT EXISTS 'archived';
