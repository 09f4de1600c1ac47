CREATE INDEX entity_15_name_trgm ON entity_15 USING gin (name gin_trgm_ops);
CREATE INDEX entity_15_active_created ON entity_15 (created_at) WHERE status = 'active';
CREATE INDEX entity_15_attrs ON entity_15 USING gin (attrs);
