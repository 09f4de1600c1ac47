CREATE INDEX entity_20_name_trgm ON entity_20 USING gin (name gin_trgm_ops);
CREATE INDEX entity_20_active_created ON entity_20 (created_at) WHERE status = 'active';
CREATE INDEX entity_20_attrs ON entity_20 USING gin (attrs);
