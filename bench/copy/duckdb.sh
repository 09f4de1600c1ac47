#!/usr/bin/env bash
# Copy benchmark, DuckDB part (issue 6): the `chunks` table (~600 bytes/row,
# same generator as bench/copy/run.sh and mysql.sh), in the same run:
#   SQLite -> DuckDB        ferry copy (Appender, a checkpoint per batch)
#   SQLite -> SQLite        ferry copy (prepared multi-row INSERTs): the reference
#   export parquet          ferry export --format parquet (through DuckDB)
#   export csv              ferry export --format csv: the reference
# DuckDB's own sqlite_scan needs the sqlite extension, a download at run time,
# so it is not the peer here. Rows/s and peak RSS (GNU time), median of RUNS.
#   bench/copy/duckdb.sh [FERRY_BINARY]    ROWS=1000000 RUNS=3
set -euo pipefail
FERRY=${1:-$(dirname "$0")/../../build-duckdb/ferry}
ROWS=${ROWS:-1000000}
RUNS=${RUNS:-3}
W=$(mktemp -d /tmp/ferry-duckdb-bench.XXXX)
trap 'rm -rf "$W"' EXIT

echo "generating $ROWS rows..." >&2
sqlite3 "$W/src.db" <<SQL
PRAGMA journal_mode=off; PRAGMA synchronous=off;
CREATE TABLE chunks (id INTEGER PRIMARY KEY, doc_id TEXT NOT NULL, seq INTEGER NOT NULL,
  score REAL, created_at TEXT, body TEXT NOT NULL);
WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < $ROWS)
INSERT INTO chunks SELECT i, 'doc-' || (i / 20), i % 20, (i % 1000) / 7.0,
  '2024-01-01 00:00:00', substr(hex(randomblob(270)), 1, 540) FROM n;
SQL

measure() {
  local t0 t1
  t0=$(date +%s.%N)
  /usr/bin/time -f "%M" -o "$W/rss" "$@" >"$W/out" 2>"$W/err" || { cat "$W/err" >&2; return 1; }
  t1=$(date +%s.%N)
  echo "$(echo "$t1 - $t0" | bc) $(cat "$W/rss")"
}
median() { sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }
declare -A SECS
bench() {  # bench NAME SETUP_FN CMD...
  local name=$1 setup=$2; shift 2
  local s="" r=""
  for _ in $(seq "$RUNS"); do
    $setup
    read -r sec rss < <(measure "$@")
    s+="$sec"$'\n'; r+="$rss"$'\n'
  done
  SECS[$name]=$(printf "%s" "$s" | median)
  local rss_med; rss_med=$(printf "%s" "$r" | median)
  printf "%-32s %8.2fs %12.0f rows/s  peak RSS %6d MB\n" "$name" "${SECS[$name]}" \
    "$(echo "$ROWS / ${SECS[$name]}" | bc -l)" "$(( rss_med / 1024 ))"
}
clean() { rm -f "$W"/dst.* "$W"/out.*; }

echo "load: $(uptime)"
bench "copy sqlite->duckdb" clean "$FERRY" copy --from "sqlite:$W/src.db" --to "duckdb:$W/dst.duckdb" \
  --create-schema --batch 50000
bench "copy sqlite->sqlite (ref)" clean "$FERRY" copy --from "sqlite:$W/src.db" --to "sqlite:$W/dst.db" \
  --create-schema --batch 50000
bench "export parquet" clean "$FERRY" export --db "sqlite:$W/src.db" --table chunks --format parquet \
  --out "$W/out.parquet"
bench "export csv (ref)" clean "$FERRY" export --db "sqlite:$W/src.db" --table chunks --format csv \
  --out "$W/out.csv"
printf "ratio duckdb/sqlite copy: %.2f   parquet/csv export: %.2f (time ratios, <1 = faster)\n" \
  "$(echo "${SECS["copy sqlite->duckdb"]} / ${SECS["copy sqlite->sqlite (ref)"]}" | bc -l)" \
  "$(echo "${SECS["export parquet"]} / ${SECS["export csv (ref)"]}" | bc -l)"
echo "load: $(uptime)"
