ALTER TYPE entity_07_status ADD VALUE IF NOT EXISTS 'archived';
