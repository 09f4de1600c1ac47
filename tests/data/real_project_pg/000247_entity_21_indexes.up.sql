CREATE INDEX entity_21_name_trgm ON entity_21 USING gin (name gin_trgm_ops);
CREATE INDEX entity_21_active_created ON entity_21 (created_at) WHERE status = 'active';
CREATE INDEX entity_21_attrs ON entity_21 USING gin (attrs);
