ALTER TYPE entity_04_status ADD VALUE IF NOT EXISTS 'archived';
