#!/usr/bin/env bash
# Schema-migration benchmarks (issue 2). Prints a table; numbers go to
# bench/RESULTS.md by hand.
#
#   bench/migrations/run.sh [FERRY_BINARY]      (default: build-mig/ferry)
#   RUNS=5 N=1000 bench/migrations/run.sh
#
# (a) whole-process wall time of `ferry status` and a no-op `ferry up` with N
#     applied migrations on SQLite, vs `alembic current` on an equivalent
#     N-revision Alembic project (Debian python3-alembic), same machine, same
#     run. Target: < 20 ms and >= 10x faster than Alembic.
# (b) applying N small migrations from scratch: ferry vs feeding the same SQL
#     to `sqlite3` and to `psql` in one go. Target: within 1.5x of the raw
#     client. PostgreSQL part needs FERRY_TEST_PG_URL (scripts/test-servers.sh).
# Medians of RUNS (>= 5) hyperfine runs; peak RSS from /usr/bin/time -v.
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/../.." && pwd)
FERRY=${1:-$ROOT/build-mig/ferry}
RUNS=${RUNS:-5}
N=${N:-1000}
PY=${PYTHON:-/usr/bin/python3}   # Debian's python, where python3-alembic lives
[[ -x "$FERRY" ]] || { echo "no ferry binary at $FERRY" >&2; exit 1; }
command -v hyperfine >/dev/null || { echo "hyperfine is not installed" >&2; exit 1; }
$PY -c 'import alembic' 2>/dev/null || { echo "python3-alembic is not installed for $PY" >&2; exit 1; }
[[ -f /tmp/ferry-test/env && -z "${FERRY_TEST_PG_URL:-}" ]] && source /tmp/ferry-test/env

W=$(mktemp -d /tmp/ferry-bench-mig.XXXXXX)
trap 'rm -rf "$W"' EXIT

# --- fixtures ---------------------------------------------------------------
mkdir -p "$W/mig" "$W/alembic/versions"
: > "$W/all_up.sql"
for ((i = 1; i <= N; i++)); do
  v=$(printf '%04d' "$i")
  up="CREATE TABLE b$i (id INTEGER PRIMARY KEY, name TEXT);
INSERT INTO b$i (id, name) VALUES (1, 'row $i');"
  printf -- '-- +up\n%s\n-- +down\nDROP TABLE b%d;\n' "$up" "$i" > "$W/mig/${v}_b$i.sql"
  printf '%s\n' "$up" >> "$W/all_up.sql"
done
"$PY" - "$W/alembic" "$N" <<'EOF'
import os, sys
root, n = sys.argv[1], int(sys.argv[2])
with open(os.path.join(root, "alembic.ini"), "w") as f:
    f.write(f"[alembic]\nscript_location = {root}\nsqlalchemy.url = sqlite:///{root}/app.db\n")
with open(os.path.join(root, "env.py"), "w") as f:
    f.write("""from alembic import context
from sqlalchemy import engine_from_config, pool
config = context.config
connectable = engine_from_config(config.get_section(config.config_ini_section),
                                 prefix="sqlalchemy.", poolclass=pool.NullPool)
with connectable.connect() as connection:
    context.configure(connection=connection)
    with context.begin_transaction():
        context.run_migrations()
""")
with open(os.path.join(root, "script.py.mako"), "w") as f:
    f.write("")
for i in range(1, n + 1):
    down = f"'r{i-1:04d}'" if i > 1 else "None"
    with open(os.path.join(root, "versions", f"r{i:04d}_b{i}.py"), "w") as f:
        f.write(f'''"""b{i}"""
from alembic import op
revision = 'r{i:04d}'
down_revision = {down}
branch_labels = None
depends_on = None

def upgrade():
    op.execute("CREATE TABLE b{i} (id INTEGER PRIMARY KEY, name TEXT)")
    op.execute("INSERT INTO b{i} (id, name) VALUES (1, 'row {i}')")

def downgrade():
    op.execute("DROP TABLE b{i}")
''')
EOF

# --- (a) status / no-op up / alembic current at N applied -------------------
DB="$W/applied.db"
"$FERRY" -q --db "sqlite:$DB" --migrations "$W/mig" up >/dev/null
(cd "$W/alembic" && "$PY" -m alembic -c alembic.ini upgrade head >/dev/null 2>&1)
(cd "$W/alembic" && "$PY" -m alembic -c alembic.ini current 2>/dev/null | grep -q "r$(printf '%04d' "$N") (head)") \
  || { echo "alembic project is not at head" >&2; exit 1; }

median_ms() {  # hyperfine json -> median ms
  "$PY" -c 'import json,sys; print("%.2f" % (json.load(open(sys.argv[1]))["results"][0]["median"]*1000))' "$1"
}
peak_rss_mb() {  # command... -> peak RSS in MB
  /usr/bin/time -v "$@" 2>&1 >/dev/null | awk -F: '/Maximum resident/ {printf "%.1f", $2/1024}'
}
bench() {  # name prepare command
  local name=$1 prepare=$2 cmd=$3
  if [[ -n "$prepare" ]]; then
    hyperfine -N --runs "$RUNS" --warmup 1 --prepare "$prepare" --export-json "$W/$name.json" "$cmd" >/dev/null 2>&1 \
      || hyperfine --runs "$RUNS" --warmup 1 --prepare "$prepare" --export-json "$W/$name.json" "$cmd" >/dev/null
  else
    hyperfine -N --runs "$RUNS" --warmup 2 --export-json "$W/$name.json" "$cmd" >/dev/null 2>&1 \
      || hyperfine --runs "$RUNS" --warmup 2 --export-json "$W/$name.json" "$cmd" >/dev/null
  fi
  median_ms "$W/$name.json"
}

F="$FERRY -q --db sqlite:$DB --migrations $W/mig"
t_status=$(bench status "" "$F status")
t_noop=$(bench noop "" "$F up")
t_alembic=$(bench alembic "" "$PY -m alembic -c $W/alembic/alembic.ini current")
r_status=$(peak_rss_mb $F status)
r_noop=$(peak_rss_mb $F up)
r_alembic=$(peak_rss_mb $PY -m alembic -c "$W/alembic/alembic.ini" current)

# --- (b) apply N small migrations from scratch --------------------------------
ADB="$W/apply.db"
t_apply_sqlite=$(bench apply_sqlite "rm -f $ADB $ADB.ferry-lock" "$FERRY -q --db sqlite:$ADB --migrations $W/mig up")
r_apply_sqlite=$(rm -f "$ADB" "$ADB.ferry-lock"; peak_rss_mb $FERRY -q --db "sqlite:$ADB" --migrations "$W/mig" up)
RDB="$W/raw.db"
t_raw_sqlite=$(bench raw_sqlite "rm -f $RDB" "sh -c 'sqlite3 $RDB < $W/all_up.sql'")
# The raw client with one transaction per migration file, as ferry runs them.
: > "$W/all_up_tx.sql"
for f in "$W"/mig/*.sql; do
  { echo "BEGIN;"; sed -n '/^-- +up$/,/^-- +down$/p' "$f" | sed '1d;$d'; echo "COMMIT;"; } >> "$W/all_up_tx.sql"
done
t_raw_sqlite_tx=$(bench raw_sqlite_tx "rm -f $RDB" "sh -c 'sqlite3 $RDB < $W/all_up_tx.sql'")
r_raw_sqlite=$(rm -f "$RDB"; peak_rss_mb sh -c "sqlite3 $RDB < $W/all_up.sql")

pg=no
if [[ -n "${FERRY_TEST_PG_URL:-}" ]] && command -v psql >/dev/null; then
  pg=yes
  PGBASE=${FERRY_TEST_PG_URL%/*}
  PGDB=ferry_bench_mig_$$
  reset_pg="psql -q $PGBASE/postgres -c 'DROP DATABASE IF EXISTS $PGDB WITH (FORCE)' -c 'CREATE DATABASE $PGDB'"
  t_apply_pg=$(bench apply_pg "$reset_pg" "$FERRY -q --db $PGBASE/$PGDB --migrations $W/mig up")
  r_apply_pg=$(sh -c "$reset_pg" >/dev/null; peak_rss_mb $FERRY -q --db "$PGBASE/$PGDB" --migrations "$W/mig" up)
  t_raw_pg=$(bench raw_pg "$reset_pg" "psql -q -v ON_ERROR_STOP=1 $PGBASE/$PGDB -f $W/all_up.sql")
  t_raw_pg_tx=$(bench raw_pg_tx "$reset_pg" "psql -q -v ON_ERROR_STOP=1 $PGBASE/$PGDB -f $W/all_up_tx.sql")
  r_raw_pg=$(sh -c "$reset_pg" >/dev/null; peak_rss_mb psql -q -v ON_ERROR_STOP=1 "$PGBASE/$PGDB" -f "$W/all_up.sql")
  psql -q "$PGBASE/postgres" -c "DROP DATABASE IF EXISTS $PGDB WITH (FORCE)" >/dev/null
fi

ratio() { "$PY" -c "import sys; print('%.2f' % (float(sys.argv[1]) / float(sys.argv[2])))" "$1" "$2"; }
per() { "$PY" -c "import sys; print('%.3f' % (float(sys.argv[1]) / float(sys.argv[2])))" "$1" "$N"; }

echo
echo "ferry schema migrations: N=$N, median of $RUNS runs, $(nproc) cores, $(uname -r)"
echo
printf '%-46s %10s %10s %s\n' "case" "median ms" "peak MB" "note"
printf '%-46s %10s %10s %s\n' "ferry status ($N applied, sqlite)" "$t_status" "$r_status" "target < 20 ms"
printf '%-46s %10s %10s %s\n' "ferry up, no-op ($N applied, sqlite)" "$t_noop" "$r_noop" "target < 20 ms"
printf '%-46s %10s %10s %s\n' "alembic current ($N revisions, sqlite)" "$t_alembic" "$r_alembic" ""
printf '%-46s %10s %10s %s\n' "  alembic / ferry status" "$(ratio "$t_alembic" "$t_status")x" "" "target >= 10x"
printf '%-46s %10s %10s %s\n' "  alembic / ferry up no-op" "$(ratio "$t_alembic" "$t_noop")x" "" "target >= 10x"
printf '%-46s %10s %10s %s\n' "ferry up, $N migrations (sqlite)" "$t_apply_sqlite" "$r_apply_sqlite" "$(per "$t_apply_sqlite") ms/migration"
printf '%-46s %10s %10s %s\n' "sqlite3 < same SQL (autocommit)" "$t_raw_sqlite" "$r_raw_sqlite" "$(per "$t_raw_sqlite") ms/migration"
printf '%-46s %10s %10s %s\n' "sqlite3 < same SQL (BEGIN/COMMIT per file)" "$t_raw_sqlite_tx" "" "$(per "$t_raw_sqlite_tx") ms/migration"
printf '%-46s %10s %10s %s\n' "  ferry / sqlite3 (autocommit)" "$(ratio "$t_apply_sqlite" "$t_raw_sqlite")x" "" "target <= 1.5x"
printf '%-46s %10s %10s %s\n' "  ferry / sqlite3 (tx per file)" "$(ratio "$t_apply_sqlite" "$t_raw_sqlite_tx")x" "" ""
if [[ $pg == yes ]]; then
  printf '%-46s %10s %10s %s\n' "ferry up, $N migrations (postgres)" "$t_apply_pg" "$r_apply_pg" "$(per "$t_apply_pg") ms/migration"
  printf '%-46s %10s %10s %s\n' "psql -f same SQL (autocommit)" "$t_raw_pg" "$r_raw_pg" "$(per "$t_raw_pg") ms/migration"
  printf '%-46s %10s %10s %s\n' "psql -f same SQL (BEGIN/COMMIT per file)" "$t_raw_pg_tx" "" "$(per "$t_raw_pg_tx") ms/migration"
  printf '%-46s %10s %10s %s\n' "  ferry / psql (autocommit)" "$(ratio "$t_apply_pg" "$t_raw_pg")x" "" "target <= 1.5x"
  printf '%-46s %10s %10s %s\n' "  ferry / psql (tx per file)" "$(ratio "$t_apply_pg" "$t_raw_pg_tx")x" "" ""
else
  echo "(postgres part skipped: FERRY_TEST_PG_URL not set)"
fi
