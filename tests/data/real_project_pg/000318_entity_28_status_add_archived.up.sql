ALTER TYPE entity_28_status ADD VALUE IF NOT EXISTS 'archived';
