CREATE TABLE entity_10_events (
    entity_10_id  bigint NOT NULL,
    at      timestamptz NOT NULL,
    kind    text NOT NULL DEFAULT 'x;y',
    during  tstzrange
) PARTITION BY RANGE (at);
-- btree_gist: a bigint next to a range in one GiST index
CREATE INDEX entity_10_events_during ON entity_10_events USING gist (entity_10_id, during);
CREATE TABLE entity_10_events_2024 PARTITION OF entity_10_events
    FOR VALUES FROM ('2024-01-01') TO ('2025-01-01');
CREATE TABLE entity_10_events_2025 PARTITION OF entity_10_events
    FOR VALUES FROM ('2025-01-01') TO ('2026-01-01');
INSERT INTO entity_10_events (entity_10_id, at) VALUES (1, '2024-06-01'), (1, '2025-06-01');
