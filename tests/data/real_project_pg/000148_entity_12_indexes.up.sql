CREATE INDEX entity_12_name_trgm ON entity_12 USING gin (name gin_trgm_ops);
CREATE INDEX entity_12_active_created ON entity_12 (created_at) WHERE status = 'active';
CREATE INDEX entity_12_attrs ON entity_12 USING gin (attrs);
