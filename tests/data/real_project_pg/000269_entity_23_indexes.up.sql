CREATE INDEX entity_23_name_trgm ON entity_23 USING gin (name gin_trgm_ops);
CREATE INDEX entity_23_active_created ON entity_23 (created_at) WHERE status = 'active';
CREATE INDEX entity_23_attrs ON entity_23 USING gin (attrs);
