ALTER TYPE entity_13_status ADD VALUE IF NOT EXISTS 'archived';
