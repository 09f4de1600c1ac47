CREATE INDEX entity_17_name_trgm ON entity_17 USING gin (name gin_trgm_ops);
CREATE INDEX entity_17_active_created ON entity_17 (created_at) WHERE status = 'active';
CREATE INDEX entity_17_attrs ON entity_17 USING gin (attrs);
