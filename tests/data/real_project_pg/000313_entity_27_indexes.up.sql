CREATE INDEX entity_27_name_trgm ON entity_27 USING gin (name gin_trgm_ops);
CREATE INDEX entity_27_active_created ON entity_27 (created_at) WHERE status = 'active';
CREATE INDEX entity_27_attrs ON entity_27 USING gin (attrs);
