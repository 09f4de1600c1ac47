#!/usr/bin/env bash
# Copy benchmark (issue 6): a 1,000,000-row `chunks` table (~600 bytes/row).
#   1. SQLite -> PostgreSQL: ferry copy vs pgloader, same data, same run.
#   2. PostgreSQL -> PostgreSQL: ferry copy vs pgcopydb clone (Debian package).
#   3. CSV export/import: ferry export/import vs psql \copy (PostgreSQL) and
#      sqlite3 .mode csv / .import (SQLite).
# Rows/s and peak RSS (GNU time), median of RUNS (default 3) runs each.
#   bench/copy/run.sh [FERRY_BINARY]    ROWS=1000000 RUNS=3 MODES="pgloader pgcopydb csv"
# Needs scripts/test-servers.sh start (FERRY_TEST_PG_URL); installs pgloader
# and pgcopydb (Debian packages) when missing.
set -euo pipefail
FERRY=${1:-$(dirname "$0")/../../build-copy/ferry}
ROWS=${ROWS:-1000000}
RUNS=${RUNS:-3}
MODES=${MODES:-pgloader pgcopydb csv}
want() { [[ " $MODES " == *" $1 "* ]]; }
source /tmp/ferry-test/env
W=$(mktemp -d /tmp/ferry-copy-bench.XXXX)
trap 'rm -rf "$W"' EXIT
for tool in pgloader pgcopydb; do
  command -v $tool >/dev/null || apt-get install -y --no-install-recommends $tool >/dev/null
done
command -v /usr/bin/time >/dev/null || apt-get install -y --no-install-recommends time >/dev/null

echo "generating $ROWS rows..." >&2
sqlite3 "$W/src.db" <<SQL
PRAGMA journal_mode=off; PRAGMA synchronous=off;
CREATE TABLE chunks (id INTEGER PRIMARY KEY, doc_id TEXT NOT NULL, seq INTEGER NOT NULL,
  score REAL, created_at TEXT, body TEXT NOT NULL);
WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < $ROWS)
INSERT INTO chunks SELECT i, 'doc-' || (i / 20), i % 20, (i % 1000) / 7.0,
  '2024-01-01 00:00:00', substr(hex(randomblob(270)), 1, 540) FROM n;
SQL
ls -l "$W/src.db" >&2

PGBASE=${FERRY_TEST_PG_URL%/*}
psql_admin() { psql -q -X "$FERRY_TEST_PG_URL" -c "$1" >/dev/null; }
fresh_pg() { psql_admin "DROP DATABASE IF EXISTS bench_copy WITH (FORCE)"; psql_admin "CREATE DATABASE bench_copy"; }
PG="$PGBASE/bench_copy"

# measure NAME CMD...: one run; prints "seconds peak_rss_kb"
measure() {
  local t0 t1
  t0=$(date +%s.%N)
  /usr/bin/time -f "%M" -o "$W/rss" "$@" >"$W/out" 2>"$W/err" || { cat "$W/err" >&2; return 1; }
  t1=$(date +%s.%N)
  echo "$(echo "$t1 - $t0" | bc) $(cat "$W/rss")"
}
median() { sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }

declare -A SECS RSS
bench() {  # bench NAME SETUP_FN CMD...
  local name=$1 setup=$2; shift 2
  local s="" r=""
  for _ in $(seq "$RUNS"); do
    $setup
    read -r sec rss < <(measure "$@")
    s+="$sec"$'\n'; r+="$rss"$'\n'
  done
  report "$name" "$s" "$r"
}
report() {  # report NAME SECONDS_LINES RSS_LINES: medians, rows/s
  local name=$1
  SECS[$name]=$(printf "%s" "$2" | median)
  RSS[$name]=$(printf "%s" "$3" | median)
  printf "%-28s %8.2fs %12.0f rows/s  peak RSS %6d MB\n" "$name" "${SECS[$name]}" \
    "$(echo "$ROWS / ${SECS[$name]}" | bc -l)" "$(( ${RSS[$name]} / 1024 ))"
}
# bench_pair NAME_A SETUP_A NAME_B SETUP_B: runs the commands in the arrays A
# and B alternately (A, B, A, B, ...) so that both see the same load on a busy
# machine; medians as bench.
bench_pair() {
  local sa="" ra="" sb="" rb="" sec rss
  for _ in $(seq "$RUNS"); do
    $2
    read -r sec rss < <(measure "${A[@]}")
    sa+="$sec"$'\n'; ra+="$rss"$'\n'
    $4
    read -r sec rss < <(measure "${B[@]}")
    sb+="$sec"$'\n'; rb+="$rss"$'\n'
  done
  report "$1" "$sa" "$ra"
  report "$3" "$sb" "$rb"
}

echo "load: $(uptime)"
setup_pg() { fresh_pg; }
if want pgloader; then
bench "ferry copy sqlite->pg" setup_pg "$FERRY" copy --from "sqlite:$W/src.db" --to "$PG" \
  --create-schema --no-verify --log-level warn
# SBCL's default 1 GB heap is exhausted ("Heap exhausted, game over") at 1M rows of ~600 bytes.
bench "pgloader sqlite->pg" setup_pg pgloader --dynamic-space-size 4096 --quiet "sqlite://$W/src.db" "$PG"
bench "ferry copy+verify" setup_pg "$FERRY" copy --from "sqlite:$W/src.db" --to "$PG" \
  --create-schema --log-level warn
else
  fresh_pg
  "$FERRY" copy --from "sqlite:$W/src.db" --to "$PG" --create-schema --no-verify --log-level warn >/dev/null
fi

if want pgcopydb; then
  # PostgreSQL -> PostgreSQL: bench_copy (filled above) into bench_copy2.
  PG2="$PGBASE/bench_copy2"
  fresh_pg2() { psql_admin "DROP DATABASE IF EXISTS bench_copy2 WITH (FORCE)"; psql_admin "CREATE DATABASE bench_copy2"; rm -rf "$W/pgcopydb"; }
  # ferry takes the passthrough here (COPY pages, never decoded); alternated
  # with pgcopydb. Then the value path (--no-passthrough) for comparison.
  A=("$FERRY" copy --from "$PG" --to "$PG2" --create-schema --no-verify --log-level warn)
  B=(pgcopydb clone --source "$PG" --target "$PG2" --dir "$W/pgcopydb" --no-owner --no-acl
     --skip-extensions)
  bench_pair "ferry copy pg->pg" fresh_pg2 "pgcopydb clone pg->pg" fresh_pg2
  bench "ferry pg->pg --no-passthrough" fresh_pg2 "$FERRY" copy --from "$PG" --to "$PG2" \
    --create-schema --no-verify --log-level warn --no-passthrough
  psql_admin "DROP DATABASE IF EXISTS bench_copy2 WITH (FORCE)"
fi

if want csv; then
# CSV against the engines' own tools (the table from the last copy is the source),
# ferry's and the tool's runs alternating.
none() { :; }
A=("$FERRY" export --db "$PG" --table chunks --format csv --out "$W/f.csv")
B=(psql -X -q "$PG" -c "\\copy chunks TO '$W/p.csv' CSV HEADER")
bench_pair "ferry export pg csv" none "psql \\copy to csv" none
trunc_pg() { psql -X -q "$PG" -c "TRUNCATE chunks" >/dev/null; }
A=("$FERRY" import --db "$PG" --table chunks --in "$W/f.csv")
B=(psql -X -q "$PG" -c "\\copy chunks FROM '$W/p.csv' CSV HEADER")
bench_pair "ferry import pg csv" trunc_pg "psql \\copy from csv" trunc_pg
A=("$FERRY" export --db "sqlite:$W/src.db" --table chunks --out "$W/s.csv")
B=(sqlite3 -csv -header "$W/src.db" ".output $W/s3.csv" "SELECT * FROM chunks")
bench_pair "ferry export sqlite csv" none "sqlite3 .mode csv" none
fresh_sqlite() { rm -f "$W/dst.db"*; sqlite3 "$W/dst.db" "CREATE TABLE chunks (id INTEGER PRIMARY KEY, doc_id TEXT NOT NULL, seq INTEGER NOT NULL, score REAL, created_at TEXT, body TEXT NOT NULL)"; }
A=("$FERRY" import --db "sqlite:$W/dst.db" --table chunks --in "$W/s.csv")
B=(sqlite3 "$W/dst.db" ".import --csv --skip 1 $W/s.csv chunks")
bench_pair "ferry import sqlite csv" fresh_sqlite "sqlite3 .import" fresh_sqlite

fi

echo
ratio() { printf "%s: %.2fx\n" "$1" "$(echo "${SECS[$2]} / ${SECS[$3]}" | bc -l)"; }
want pgloader && ratio "ratio copy ferry/pgloader rows/s" "pgloader sqlite->pg" "ferry copy sqlite->pg"
want pgcopydb && ratio "ratio copy ferry/pgcopydb rows/s" "pgcopydb clone pg->pg" "ferry copy pg->pg"
if want csv; then
  ratio "ratio export ferry/psql time" "ferry export pg csv" 'psql \copy to csv'
  ratio "ratio import ferry/psql time" "ferry import pg csv" 'psql \copy from csv'
  ratio "ratio sqlite import ferry/sqlite3 time" "ferry import sqlite csv" "sqlite3 .import"
fi
echo "load: $(uptime)"
psql_admin "DROP DATABASE IF EXISTS bench_copy WITH (FORCE)"
