CREATE INDEX entity_03_name_trgm ON entity_03 USING gin (name gin_trgm_ops);
CREATE INDEX entity_03_active_created ON entity_03 (created_at) WHERE status = 'active';
CREATE INDEX entity_03_attrs ON entity_03 USING gin (attrs);
