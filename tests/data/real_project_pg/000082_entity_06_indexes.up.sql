CREATE INDEX entity_06_name_trgm ON entity_06 USING gin (name gin_trgm_ops);
CREATE INDEX entity_06_active_created ON entity_06 (created_at) WHERE status = 'active';
CREATE INDEX entity_06_attrs ON entity_06 USING gin (attrs);
