CREATE INDEX entity_02_name_trgm ON entity_02 USING gin (name gin_trgm_ops);
CREATE INDEX entity_02_active_created ON entity_02 (created_at) WHERE status = 'active';
CREATE INDEX entity_02_attrs ON entity_02 USING gin (attrs);
