CREATE INDEX entity_18_name_trgm ON entity_18 USING gin (name gin_trgm_ops);
CREATE INDEX entity_18_active_created ON entity_18 (created_at) WHERE status = 'active';
CREATE INDEX entity_18_attrs ON entity_18 USING gin (attrs);
