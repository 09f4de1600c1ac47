ALTER TYPE entity_21_status ADD VALUE IF NOT EXISTS 'archived';
