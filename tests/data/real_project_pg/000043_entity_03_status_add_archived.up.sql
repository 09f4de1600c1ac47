ALTER TYPE entity_03_status ADD VALUE IF NOT EXISTS 'archived';
