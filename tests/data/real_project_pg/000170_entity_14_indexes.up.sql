CREATE INDEX entity_14_name_trgm ON entity_14 USING gin (name gin_trgm_ops);
CREATE INDEX entity_14_active_created ON entity_14 (created_at) WHERE status = 'active';
CREATE INDEX entity_14_attrs ON entity_14 USING gin (attrs);
