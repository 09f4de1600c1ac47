ALTER TYPE entity_05_status ADD VALUE IF NOT EXISTS 'archived';
