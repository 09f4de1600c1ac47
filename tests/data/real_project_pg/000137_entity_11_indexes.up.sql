CREATE INDEX entity_11_name_trgm ON entity_11 USING gin (name gin_trgm_ops);
CREATE INDEX entity_11_active_created ON entity_11 (created_at) WHERE status = 'active';
CREATE INDEX entity_11_attrs ON entity_11 USING gin (attrs);
