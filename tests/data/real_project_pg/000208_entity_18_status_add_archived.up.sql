ALTER TYPE entity_18_status ADD VALUE IF NOT EXISTS 'archived';
