ALTER TYPE entity_16_status ADD VALUE IF NOT EXISTS 'archived';
