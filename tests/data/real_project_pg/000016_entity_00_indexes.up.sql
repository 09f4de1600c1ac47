CREATE INDEX entity_00_name_trgm ON entity_00 USING gin (name gin_trgm_ops);
CREATE INDEX entity_00_active_created ON entity_00 (created_at) WHERE status = 'active';
CREATE INDEX entity_00_attrs ON entity_00 USING gin (attrs);
