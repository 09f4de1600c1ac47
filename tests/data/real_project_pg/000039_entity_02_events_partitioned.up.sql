CREATE TABLE entity_02_events (
    entity_02_id  bigint NOT NULL,
    at      timestamptz NOT NULL,
    kind    text NOT NULL DEFAULT 'x;y',
    during  tstzrange
) PARTITION BY RANGE (at);
-- btree_gist: a bigint next to a range in one GiST index
CREATE INDEX entity_02_events_during ON entity_02_events USING gist (entity_02_id, during);
CREATE TABLE entity_02_events_2024 PARTITION OF entity_02_events
    FOR VALUES FROM ('2024-01-01') TO ('2025-01-01');
CREATE TABLE entity_02_events_2025 PARTITION OF entity_02_events
    FOR VALUES FROM ('2025-01-01') TO ('2026-01-01');
INSERT INTO entity_02_events (entity_02_id, at) VALUES (1, '2024-06-01'), (1, '2025-06-01');
