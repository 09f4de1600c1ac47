#!/usr/bin/env python3
"""A writer at full speed on `chunks` until killed (SIGTERM): 50% insert,
30% update (content and collection), 20% delete of random ids, autocommit.
On exit prints the number of operations to the file given as 3rd argument.

  writer.py postgres URL OUT | writer.py sqlite PATH OUT
"""
import random
import signal
import sys

kind, target, out = sys.argv[1], sys.argv[2], sys.argv[3]
if kind == "postgres":
    import psycopg2
    conn = psycopg2.connect(target)
    conn.autocommit = True
    ph = "%s"
else:
    import sqlite3
    conn = sqlite3.connect(target, timeout=30, isolation_level=None)
    ph = "?"
cur = conn.cursor()
cur.execute("SELECT max(id) FROM chunks")
top = cur.fetchone()[0] or 1
ops = 0
running = True


def stop(*_):
    global running
    running = False


signal.signal(signal.SIGTERM, stop)
rng = random.Random(7)
while running:
    op = rng.random()
    i = rng.randint(1, top)
    c = rng.randint(0, 9999)
    try:
        if op < 0.5:
            cur.execute(f"INSERT INTO chunks (collection_id, document_id, chunk_index, content)"
                        f" VALUES ({ph}, {ph}, 0, {ph})", (c, i, "w%d" % rng.getrandbits(60)))
        elif op < 0.8:
            cur.execute(f"UPDATE chunks SET content = {ph}, collection_id = {ph} WHERE id = {ph}",
                        ("u%d" % rng.getrandbits(60), c, i))
        else:
            cur.execute(f"DELETE FROM chunks WHERE id = {ph}", (i,))
        ops += 1
    except Exception as e:  # a busy SQLite or the swap's lock: try again
        if kind == "postgres":
            conn.rollback()
with open(out, "w") as f:
    f.write(str(ops))
