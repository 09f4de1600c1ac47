#!/usr/bin/env python3
"""Writes tests/data/real_project_pg/: a "real project" of PostgreSQL migrations
in golang-migrate layout (NNNNNN_name.up.sql / NNNNNN_name.down.sql).

Deterministic (no clock, no unseeded randomness): running it twice writes the
same bytes, so the committed folder can be checked with
`python3 tests/data/gen_real_project.py --check`.

What it exercises, because real folders have it:
  - extensions from Debian's postgresql-15 contrib (pgcrypto, citext, hstore,
    pg_trgm, uuid-ossp, ltree, btree_gist)
  - enums (CREATE TYPE ... AS ENUM, ALTER TYPE ... ADD VALUE; the down
    recreates the type, since PostgreSQL cannot drop an enum value)
  - functions with $$ and $tag$ bodies containing ';' and quotes
  - DO blocks, triggers, COMMENT ON with quotes and semicolons, -- and /* */
    comments with semicolons, views, indexes (btree, GIN trigram, partial),
    partitioned tables, foreign keys, seed rows
  - a down for every up, so the folder goes all the way down to an empty schema
"""
import argparse
import os
import sys

MODULES = 30
HERE = os.path.dirname(os.path.abspath(__file__))
OUT = os.path.join(HERE, "real_project_pg")

EXTENSIONS = ["pgcrypto", "citext", "hstore", "pg_trgm", "uuid-ossp", "ltree", "btree_gist"]


def module(i):
    """Yields (name, up, down) for entity i."""
    t = f"entity_{i:02d}"
    prev = f"entity_{i - 1:02d}" if i > 0 else None
    e = f"{t}_status"
    yield (f"create_{t}", f"""-- {t}: the base table; comments may hold semicolons; like this one
/* and block comments; too:
   CREATE TABLE not_really (x int); */
CREATE TABLE {t} (
    id          bigserial PRIMARY KEY,
    public_id   uuid NOT NULL DEFAULT uuid_generate_v4(),
    name        text NOT NULL CHECK (name <> ''),
    email       citext,
    attrs       hstore NOT NULL DEFAULT ''::hstore,
    path        ltree,
    created_at  timestamptz NOT NULL DEFAULT now()
);
CREATE UNIQUE INDEX {t}_public_id_key ON {t} (public_id);
""", f"""DROP TABLE {t};
""")
    yield (f"{t}_status_enum", f"""CREATE TYPE {e} AS ENUM ('new', 'active', 'it''s; odd');
ALTER TABLE {t} ADD COLUMN status {e} NOT NULL DEFAULT 'new';
""", f"""ALTER TABLE {t} DROP COLUMN status;
DROP TYPE {e};
""")
    yield (f"{t}_status_add_archived", f"""ALTER TYPE {e} ADD VALUE IF NOT EXISTS 'archived';
""", f"""-- PostgreSQL cannot drop an enum value: rebuild the type without it.
ALTER TABLE {t} ALTER COLUMN status DROP DEFAULT;
ALTER TYPE {e} RENAME TO {e}_old;
CREATE TYPE {e} AS ENUM ('new', 'active', 'it''s; odd');
ALTER TABLE {t} ALTER COLUMN status TYPE {e} USING status::text::{e};
ALTER TABLE {t} ALTER COLUMN status SET DEFAULT 'new';
DROP TYPE {e}_old;
""")
    yield (f"{t}_fn_slug", f"""CREATE FUNCTION {t}_slug(input text) RETURNS text
LANGUAGE plpgsql IMMUTABLE AS $$
DECLARE
    s text;  -- a comment inside the body; with a semicolon
BEGIN
    s := lower(regexp_replace(input, '[^a-zA-Z0-9]+', '-', 'g'));
    IF s = '' THEN
        RETURN 'n/a; empty';
    END IF;
    RETURN trim(both '-' from s);
END;
$$;
CREATE FUNCTION {t}_token(n int) RETURNS text
LANGUAGE sql VOLATILE AS $body$
    SELECT encode(gen_random_bytes(n), 'hex'); -- a ';' inside the body
$body$;
""", f"""DROP FUNCTION {t}_token(int);
DROP FUNCTION {t}_slug(text);
""")
    yield (f"{t}_touch_trigger", f"""ALTER TABLE {t} ADD COLUMN updated_at timestamptz;
CREATE FUNCTION {t}_touch() RETURNS trigger
LANGUAGE plpgsql AS $tg$
BEGIN
    NEW.updated_at := now();  -- stamp it; always
    IF NEW.name LIKE '%$$%' THEN
        RAISE NOTICE 'odd name: %; kept', NEW.name;
    END IF;
    RETURN NEW;
END;
$tg$;
CREATE TRIGGER {t}_touch BEFORE INSERT OR UPDATE ON {t}
    FOR EACH ROW EXECUTE FUNCTION {t}_touch();
""", f"""DROP TRIGGER {t}_touch ON {t};
DROP FUNCTION {t}_touch();
ALTER TABLE {t} DROP COLUMN updated_at;
""")
    yield (f"{t}_seed", f"""DO $$
DECLARE
    k int;
BEGIN
    FOR k IN 1..5 LOOP
        INSERT INTO {t} (name, email, attrs, path)
        VALUES ('seed ' || k || '; row', 'Seed' || k || '@Example.com',
                hstore('k', k::text), text2ltree('root.seed' || k));
    END LOOP;
    IF (SELECT count(*) FROM {t}) <> 5 THEN
        RAISE EXCEPTION 'seed of {t} went wrong; count %', (SELECT count(*) FROM {t});
    END IF;
END
$$;
""", f"""DELETE FROM {t} WHERE name LIKE 'seed %; row';
""")
    yield (f"{t}_comments", f"""COMMENT ON TABLE {t} IS 'The {t} table; it''s "important"; see docs';
COMMENT ON COLUMN {t}.email IS 'case-insensitive (citext); -- not a comment';
COMMENT ON FUNCTION {t}_slug(text) IS $c$slugify; keeps 'a-z' and digits$c$;
""", f"""COMMENT ON FUNCTION {t}_slug(text) IS NULL;
COMMENT ON COLUMN {t}.email IS NULL;
COMMENT ON TABLE {t} IS NULL;
""")
    yield (f"{t}_active_view", f"""CREATE VIEW {t}_active AS
    SELECT id, name, {t}_slug(name) AS slug, email, status
    FROM {t}
    WHERE status <> 'archived'  -- archived rows; hidden
    ;
""", f"""DROP VIEW {t}_active;
""")
    yield (f"{t}_indexes", f"""CREATE INDEX {t}_name_trgm ON {t} USING gin (name gin_trgm_ops);
CREATE INDEX {t}_active_created ON {t} (created_at) WHERE status = 'active';
CREATE INDEX {t}_attrs ON {t} USING gin (attrs);
""", f"""DROP INDEX {t}_attrs;
DROP INDEX {t}_active_created;
DROP INDEX {t}_name_trgm;
""")
    yield (f"{t}_events_partitioned", f"""CREATE TABLE {t}_events (
    {t}_id  bigint NOT NULL,
    at      timestamptz NOT NULL,
    kind    text NOT NULL DEFAULT 'x;y',
    during  tstzrange
) PARTITION BY RANGE (at);
-- btree_gist: a bigint next to a range in one GiST index
CREATE INDEX {t}_events_during ON {t}_events USING gist ({t}_id, during);
CREATE TABLE {t}_events_2024 PARTITION OF {t}_events
    FOR VALUES FROM ('2024-01-01') TO ('2025-01-01');
CREATE TABLE {t}_events_2025 PARTITION OF {t}_events
    FOR VALUES FROM ('2025-01-01') TO ('2026-01-01');
INSERT INTO {t}_events ({t}_id, at) VALUES (1, '2024-06-01'), (1, '2025-06-01');
""", f"""DROP TABLE {t}_events;
""")
    if prev:
        yield (f"{t}_link_{prev}", f"""ALTER TABLE {t} ADD COLUMN {prev}_id bigint
    REFERENCES {prev} (id) ON DELETE SET NULL;
CREATE INDEX {t}_{prev}_id ON {t} ({prev}_id);
""", f"""DROP INDEX {t}_{prev}_id;
ALTER TABLE {t} DROP COLUMN {prev}_id;
""")
    else:
        yield (f"{t}_digest_fn", f"""CREATE FUNCTION app_digest(v text) RETURNS text
LANGUAGE sql IMMUTABLE AS $$ SELECT encode(digest(v, 'sha256'), 'hex') $$;
SELECT app_digest('x;y');
""", f"""DROP FUNCTION app_digest(text);
""")


def migrations():
    out = []
    for ext in EXTENSIONS:
        safe = ext.replace("-", "_")
        out.append((f"extension_{safe}", f'CREATE EXTENSION IF NOT EXISTS "{ext}";\n',
                    f'DROP EXTENSION "{ext}";\n'))
    for i in range(MODULES):
        out.extend(module(i))
    # A schema-level housekeeping migration with an empty down file: real
    # folders have them (the down is a no-op).
    out.append(("analyze_all", "-- statistics only; nothing to undo\nANALYZE;\n", ""))
    return out


def render():
    files = {}
    for n, (name, up, down) in enumerate(migrations(), start=1):
        files[f"{n:06d}_{name}.up.sql"] = up
        files[f"{n:06d}_{name}.down.sql"] = down
    return files


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--check", action="store_true", help="exit 1 if the folder differs")
    ap.add_argument("--out", default=OUT)
    args = ap.parse_args()
    files = render()
    if args.check:
        have = sorted(os.listdir(args.out)) if os.path.isdir(args.out) else []
        if have != sorted(files):
            print("file list differs", file=sys.stderr)
            return 1
        for name, text in files.items():
            with open(os.path.join(args.out, name), encoding="utf-8") as f:
                if f.read() != text:
                    print(f"{name} differs", file=sys.stderr)
                    return 1
        return 0
    os.makedirs(args.out, exist_ok=True)
    for old in os.listdir(args.out):
        if old not in files:
            os.remove(os.path.join(args.out, old))
    for name, text in files.items():
        with open(os.path.join(args.out, name), "w", encoding="utf-8", newline="\n") as f:
            f.write(text)
    print(f"wrote {len(files) // 2} migrations to {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
