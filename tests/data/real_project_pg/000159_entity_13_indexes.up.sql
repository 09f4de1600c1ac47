CREATE INDEX entity_13_name_trgm ON entity_13 USING gin (name gin_trgm_ops);
CREATE INDEX entity_13_active_created ON entity_13 (created_at) WHERE status = 'active';
CREATE INDEX entity_13_attrs ON entity_13 USING gin (attrs);
