CREATE INDEX entity_01_name_trgm ON entity_01 USING gin (name gin_trgm_ops);
CREATE INDEX entity_01_active_created ON entity_01 (created_at) WHERE status = 'active';
CREATE INDEX entity_01_attrs ON entity_01 USING gin (attrs);
