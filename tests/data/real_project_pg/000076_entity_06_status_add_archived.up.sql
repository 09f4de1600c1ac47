ALTER TYPE entity_06_status ADD VALUE IF NOT EXISTS 'archived';
