CREATE INDEX entity_08_name_trgm ON entity_08 USING gin (name gin_trgm_ops);
CREATE INDEX entity_08_active_created ON entity_08 (created_at) WHERE status = 'active';
CREATE INDEX entity_08_attrs ON entity_08 USING gin (attrs);
