ALTER TYPE entity_02_status ADD VALUE IF NOT EXISTS 'archived';
