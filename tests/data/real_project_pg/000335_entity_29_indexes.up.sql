CREATE INDEX entity_29_name_trgm ON entity_29 USING gin (name gin_trgm_ops);
CREATE INDEX entity_29_active_created ON entity_29 (created_at) WHERE status = 'active';
CREATE INDEX entity_29_attrs ON entity_29 USING gin (attrs);
