ALTER TYPE entity_08_status ADD VALUE IF NOT EXISTS 'archived';
