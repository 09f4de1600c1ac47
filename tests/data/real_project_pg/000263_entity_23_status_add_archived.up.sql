ALTER TYPE entity_23_status ADD VALUE IF NOT EXISTS 'archived';
