ALTER TYPE entity_22_status ADD VALUE IF NOT EXISTS 'archived';
