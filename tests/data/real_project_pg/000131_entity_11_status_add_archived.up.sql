ALTER TYPE entity_11_status ADD VALUE IF NOT EXISTS 'archived';
