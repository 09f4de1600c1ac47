CREATE INDEX entity_05_name_trgm ON entity_05 USING gin (name gin_trgm_ops);
CREATE INDEX entity_05_active_created ON entity_05 (created_at) WHERE status = 'active';
CREATE INDEX entity_05_attrs ON entity_05 USING gin (attrs);
