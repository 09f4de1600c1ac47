#!/usr/bin/env bash
# Reshape benchmark (issue 5): a ROWS-row `chunks` table (default 1,000,000;
# ~256-byte content, 1,000 collections) rebuilt end to end by
# `ferry reshape run` (pre-check + verified snapshot + create + triggers +
# keyset copy + verify + indexes + swap):
#   PostgreSQL: into 100 LIST partitions (examples/reshape/chunks.toml)
#   SQLite:     into a new shape (examples/reshape/chunks_sqlite.toml)
# each without and with a concurrent writer (bench/reshape/writer.py), and in
# the same run the seed's way (bench/reshape/seed_way.py: Python, batches of
# 10,000 with LIMIT/OFFSET, as the guide) and the engine's limit (one
# `INSERT INTO new SELECT ... FROM old` statement). Medians of RUNS runs.
#   bench/reshape/run.sh [FERRY_BINARY]
#     ROWS=1000000 RUNS=3 ENGINES="postgres sqlite" MODES="limit ferry writer seed"
#     COPY_LOCK=table|rows (how ferry guards a PostgreSQL copy batch)
# Ratios: copy step / limit, seed / whole job (see bench/RESULTS.md).
# Needs scripts/test-servers.sh start (FERRY_TEST_PG_URL) for PostgreSQL;
# installs python3-psycopg2 (Debian) when missing.
set -euo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(cd "$HERE/../.." && pwd)
FERRY=${1:-$ROOT/build-reshape/ferry}
ROWS=${ROWS:-1000000}
RUNS=${RUNS:-3}
ENGINES=${ENGINES:-"postgres sqlite"}
MODES=${MODES:-"limit ferry writer seed"}
COPY_LOCK=${COPY_LOCK:-table}
W=$(mktemp -d /tmp/ferry-reshape-bench.XXXX)
WRITER_PID=""
cleanup() { [[ -n "$WRITER_PID" ]] && kill "$WRITER_PID" 2>/dev/null; rm -rf "$W"; }
trap cleanup EXIT
# Debian's python3 (python3-psycopg2), not a pyenv shim ahead of it on PATH.
PY=${PYTHON:-/usr/bin/python3}
"$PY" -c 'import psycopg2' 2>/dev/null ||
  apt-get install -y --no-install-recommends python3-psycopg2 >/dev/null
command -v /usr/bin/time >/dev/null || apt-get install -y --no-install-recommends time >/dev/null

median() { sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }
now() { date +%s.%N; }
plan_field() {  # plan_field PLAN KEY
  python3 -c 'import sys, tomllib; print(tomllib.load(open(sys.argv[1], "rb"))[sys.argv[2]].strip())' "$1" "$2"
}
# The new table's DDL as ferry's step 3 runs it (plan ddl + partitions).
plan_ddl() {  # plan_ddl PLAN ENGINE
  python3 - "$1" "$2" <<'PY'
import sys, tomllib
p = tomllib.load(open(sys.argv[1], "rb"))
new = '"%s"' % p.get("new_table", p["table"] + "_reshape_new")
print(p["ddl"].replace("{new}", new).strip() + ";")
part = p.get("partitions")
if part and sys.argv[2] == "postgres":
    for i in range(part["count"]):
        bound = ("FOR VALUES WITH (MODULUS %d, REMAINDER %d)" % (part["count"], i)
                 if part.get("method", "list") == "hash" else "FOR VALUES IN (%d)" % i)
        print('CREATE TABLE "%s_p%d" PARTITION OF %s %s;' % (new.strip('"'), i, new, bound))
PY
}
step_secs() {  # step_secs JSON NAME_PREFIX
  python3 -c 'import sys, json
j = json.load(open(sys.argv[1]))
print(sum(s["seconds"] for s in j["steps"] if s["name"].startswith(sys.argv[2])))' "$1" "$2"
}

# --- generators -------------------------------------------------------------
PGBASE=""
if [[ " $ENGINES " == *" postgres "* ]]; then
  source /tmp/ferry-test/env
  PGBASE=${FERRY_TEST_PG_URL%/*}
fi
PG="$PGBASE/bench_reshape"
psql_admin() { psql -q -X "$FERRY_TEST_PG_URL" -c "$1" >/dev/null; }
gen_postgres() {
  psql_admin "DROP DATABASE IF EXISTS bench_reshape WITH (FORCE)"
  psql_admin "CREATE DATABASE bench_reshape"
  psql -q -X "$PG" >/dev/null <<SQL
CREATE TABLE chunks (id bigserial PRIMARY KEY, collection_id bigint NOT NULL,
  document_id bigint NOT NULL, chunk_index integer NOT NULL, content text NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now());
INSERT INTO chunks (collection_id, document_id, chunk_index, content)
  SELECT g % 1000, g / 10, g % 10, repeat(md5(g::text), 8) FROM generate_series(1, $ROWS) g;
CREATE INDEX chunks_collection_idx ON chunks (collection_id);
VACUUM ANALYZE chunks;
CHECKPOINT;
SQL
}
gen_sqlite() {
  rm -f "$W"/bench.db*
  sqlite3 "$W/bench.db" >/dev/null <<SQL
PRAGMA journal_mode=wal;
CREATE TABLE chunks (id INTEGER PRIMARY KEY, collection_id INTEGER NOT NULL,
  document_id INTEGER NOT NULL, chunk_index INTEGER NOT NULL, content TEXT NOT NULL);
WITH RECURSIVE g(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM g WHERE x < $ROWS)
INSERT INTO chunks (collection_id, document_id, chunk_index, content)
  SELECT x % 1000, x / 10, x % 10, hex(randomblob(128)) FROM g;
CREATE INDEX chunks_collection_idx ON chunks (collection_id);
SQL
}

# --- one engine -------------------------------------------------------------
# Each mode prints its own line (median of RUNS) as soon as it is done:
#   ferry   ferry reshape run (--copy-lock $COPY_LOCK), whole job and copy step
#   writer  the same with bench/reshape/writer.py writing throughout
#   seed    the seed's way (copy only)
#   limit   one INSERT ... SELECT (copy only)
run_mode() {
  local engine=$1 mode=$2 url plan kind target
  if [[ $engine == postgres ]]; then
    url=$PG; plan=$ROOT/examples/reshape/chunks.toml; kind=postgres; target=$PG
  else
    url="sqlite:$W/bench.db"; plan=$ROOT/examples/reshape/chunks_sqlite.toml; kind=sqlite
    target=$W/bench.db
  fi
  local select; select=$(plan_field "$plan" select | tr '\n' ' ')
  local -a secs=() copy=() extra=()
  local t0 t1
  for run in $(seq "$RUNS"); do
    echo "[$engine $mode run $run/$RUNS] $(uptime | sed 's/.*load/load/')" >&2
    "gen_$engine"
    case $mode in
      ferry|writer)
        if [[ $mode == writer ]]; then
          "$PY" "$HERE/writer.py" "$kind" "$target" "$W/ops" & WRITER_PID=$!
          sleep 1
        fi
        t0=$(now)
        /usr/bin/time -f "%M" -o "$W/rss" "$FERRY" --db "$url" -q --output json reshape run \
          "$plan" --copy-lock "$COPY_LOCK" >"$W/out.json" 2>"$W/err" || { cat "$W/err" >&2; exit 1; }
        t1=$(now)
        if [[ $mode == writer ]]; then
          kill -TERM "$WRITER_PID"; wait "$WRITER_PID" || true; WRITER_PID=""
          extra+=("$(cat "$W/ops")")
        else
          extra+=("$(cat "$W/rss")")
        fi
        secs+=("$(echo "$t1 - $t0" | bc)"); copy+=("$(step_secs "$W/out.json" "5 ")")
        python3 -c 'import sys, json; j = json.load(open(sys.argv[1]))
print("  steps: " + ", ".join("%s %.2fs" % (s["name"], s["seconds"]) for s in j["steps"]))' \
          "$W/out.json" >&2
        ;;
      seed)
        plan_ddl "$plan" "$engine" >"$W/ddl.sql"
        if [[ $engine == postgres ]]; then psql -q -X "$PG" -f "$W/ddl.sql" >/dev/null
        else sqlite3 "$W/bench.db" <"$W/ddl.sql"; fi
        secs+=("$("$PY" "$HERE/seed_way.py" "$kind" "$target" "$select" 2>/dev/null)")
        ;;
      limit)
        plan_ddl "$plan" "$engine" >"$W/ddl.sql"
        if [[ $engine == postgres ]]; then
          psql -q -X "$PG" -f "$W/ddl.sql" >/dev/null
          t0=$(now); psql -q -X "$PG" -c "INSERT INTO chunks_new SELECT $select FROM chunks AS o" >/dev/null; t1=$(now)
        else
          sqlite3 "$W/bench.db" <"$W/ddl.sql"
          t0=$(now); sqlite3 "$W/bench.db" "INSERT INTO chunks_new SELECT $select FROM chunks AS o"; t1=$(now)
        fi
        secs+=("$(echo "$t1 - $t0" | bc)")
        ;;
    esac
  done
  local ms mc mx
  ms=$(printf "%s\n" "${secs[@]}" | median)
  case $mode in
    ferry|writer)
      mc=$(printf "%s\n" "${copy[@]}" | median); mx=$(printf "%s\n" "${extra[@]}" | median)
      printf "%-9s %-7s %-34s %8.2f s %9.0f rows/s  copy step %7.2f s %9.0f rows/s  %s  (runs: %s | copy %s)\n" \
        "$engine" "$mode" "ferry reshape run --copy-lock $COPY_LOCK" "$ms" "$(echo "$ROWS / $ms" | bc -l)" \
        "$mc" "$(echo "$ROWS / $mc" | bc -l)" \
        "$([[ $mode == writer ]] && echo "writer ops $mx" || echo "peak RSS $((mx / 1024)) MB")" \
        "${secs[*]}" "${copy[*]}" ;;
    *)
      printf "%-9s %-7s %-34s %8.2f s %9.0f rows/s  (runs: %s)\n" "$engine" "$mode" \
        "$([[ $mode == seed ]] && echo "Python LIMIT/OFFSET x10,000" || echo "one INSERT ... SELECT")" \
        "$ms" "$(echo "$ROWS / $ms" | bc -l)" "${secs[*]}" ;;
  esac
}

echo "load: $(uptime)"
for e in $ENGINES; do for m in $MODES; do run_mode "$e" "$m"; done; done
[[ " $ENGINES " == *" postgres "* ]] && psql_admin "DROP DATABASE IF EXISTS bench_reshape WITH (FORCE)"
echo "load: $(uptime)"
