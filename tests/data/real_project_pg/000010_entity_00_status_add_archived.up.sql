ALTER TYPE entity_00_status ADD VALUE IF NOT EXISTS 'archived';
