ALTER TYPE entity_15_status ADD VALUE IF NOT EXISTS 'archived';
