ALTER TYPE entity_27_status ADD VALUE IF NOT EXISTS 'archived';
