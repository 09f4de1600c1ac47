CREATE INDEX entity_26_name_trgm ON entity_26 USING gin (name gin_trgm_ops);
CREATE INDEX entity_26_active_created ON entity_26 (created_at) WHERE status = 'active';
CREATE INDEX entity_26_attrs ON entity_26 USING gin (attrs);
