ALTER TYPE entity_19_status ADD VALUE IF NOT EXISTS 'archived';
