CREATE INDEX entity_04_name_trgm ON entity_04 USING gin (name gin_trgm_ops);
CREATE INDEX entity_04_active_created ON entity_04 (created_at) WHERE status = 'active';
CREATE INDEX entity_04_attrs ON entity_04 USING gin (attrs);
