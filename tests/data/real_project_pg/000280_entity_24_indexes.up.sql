CREATE INDEX entity_24_name_trgm ON entity_24 USING gin (name gin_trgm_ops);
CREATE INDEX entity_24_active_created ON entity_24 (created_at) WHERE status = 'active';
CREATE INDEX entity_24_attrs ON entity_24 USING gin (attrs);
