CREATE INDEX entity_09_name_trgm ON entity_09 USING gin (name gin_trgm_ops);
CREATE INDEX entity_09_active_created ON entity_09 (created_at) WHERE status = 'active';
CREATE INDEX entity_09_attrs ON entity_09 USING gin (attrs);
