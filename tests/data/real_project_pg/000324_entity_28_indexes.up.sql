CREATE INDEX entity_28_name_trgm ON entity_28 USING gin (name gin_trgm_ops);
CREATE INDEX entity_28_active_created ON entity_28 (created_at) WHERE status = 'active';
CREATE INDEX entity_28_attrs ON entity_28 USING gin (attrs);
