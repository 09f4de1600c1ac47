CREATE INDEX entity_07_name_trgm ON entity_07 USING gin (name gin_trgm_ops);
CREATE INDEX entity_07_active_created ON entity_07 (created_at) WHERE status = 'active';
CREATE INDEX entity_07_attrs ON entity_07 USING gin (attrs);
