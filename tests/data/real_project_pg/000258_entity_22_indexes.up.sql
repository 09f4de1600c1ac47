CREATE INDEX entity_22_name_trgm ON entity_22 USING gin (name gin_trgm_ops);
CREATE INDEX entity_22_active_created ON entity_22 (created_at) WHERE status = 'active';
CREATE INDEX entity_22_attrs ON entity_22 USING gin (attrs);
