CREATE INDEX entity_10_name_trgm ON entity_10 USING gin (name gin_trgm_ops);
CREATE INDEX entity_10_active_created ON entity_10 (created_at) WHERE status = 'active';
CREATE INDEX entity_10_attrs ON entity_10 USING gin (attrs);
