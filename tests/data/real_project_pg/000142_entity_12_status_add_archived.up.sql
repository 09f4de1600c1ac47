ALTER TYPE entity_12_status ADD VALUE IF NOT EXISTS 'archived';
