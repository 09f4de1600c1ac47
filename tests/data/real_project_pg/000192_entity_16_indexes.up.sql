CREATE INDEX entity_16_name_trgm ON entity_16 USING gin (name gin_trgm_ops);
CREATE INDEX entity_16_active_created ON entity_16 (created_at) WHERE status = 'active';
CREATE INDEX entity_16_attrs ON entity_16 USING gin (attrs);
