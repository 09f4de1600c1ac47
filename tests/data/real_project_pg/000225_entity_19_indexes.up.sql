CREATE INDEX entity_19_name_trgm ON entity_19 USING gin (name gin_trgm_ops);
CREATE INDEX entity_19_active_created ON entity_19 (created_at) WHERE status = 'active';
CREATE INDEX entity_19_attrs ON entity_19 USING gin (attrs);
