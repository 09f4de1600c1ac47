ALTER TYPE entity_01_status ADD VALUE IF NOT EXISTS 'archived';
