CREATE INDEX entity_25_name_trgm ON entity_25 USING gin (name gin_trgm_ops);
CREATE INDEX entity_25_active_created ON entity_25 (created_at) WHERE status = 'active';
CREATE INDEX entity_25_attrs ON entity_25 USING gin (attrs);
