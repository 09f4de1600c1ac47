ALTER TYPE entity_26_status ADD VALUE IF NOT EXISTS 'archived';
