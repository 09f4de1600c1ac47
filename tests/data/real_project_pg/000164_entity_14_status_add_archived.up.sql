ALTER TYPE entity_14_status ADD VALUE IF NOT EXISTS 'archived';
