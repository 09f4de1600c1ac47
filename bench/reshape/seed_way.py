#!/usr/bin/env python3
"""The seed's way (shared/reference/chunks-100-partition-migration.md): copy
`chunks` into an existing `chunks_new` in batches of 10,000 with LIMIT/OFFSET,
one commit per batch, as the guide's Alembic migration does. Prints seconds.

  seed_way.py postgres URL SELECT_LIST      (psycopg2)
  seed_way.py sqlite PATH SELECT_LIST       (sqlite3)
"""
import sys
import time

kind, target, select = sys.argv[1], sys.argv[2], sys.argv[3]
BATCH = 10000
if kind == "postgres":
    import psycopg2
    conn = psycopg2.connect(target)
    ph = "%s"
    select = select.replace("%", "%%")  # psycopg2's pyformat: a literal % is %%
else:
    import sqlite3
    conn = sqlite3.connect(target)
    ph = "?"
cur = conn.cursor()
t0 = time.monotonic()
cur.execute("SELECT count(*) FROM chunks")
total = cur.fetchone()[0]
offset = 0
while offset < total:
    cur.execute(f"INSERT INTO chunks_new SELECT {select} FROM"
                f" (SELECT * FROM chunks ORDER BY id LIMIT {ph} OFFSET {ph}) AS o",
                (BATCH, offset))
    conn.commit()
    offset += BATCH
    print(f"progress {min(offset, total)}/{total} ({100.0 * min(offset, total) / total:.1f}%)",
          file=sys.stderr)
print(f"{time.monotonic() - t0:.3f}")
