#!/usr/bin/env bash
# Copy benchmark, RocksDB part (issue 6): the 1,000,000-row `chunks` table
# (~600 bytes/row, same generator as bench/copy/run.sh) copied
#   SQLite -> RocksDB   (rows as "chunks:<key>" -> binary row, one synced
#                        WriteBatch per batch with its checkpoint)
#   SQLite -> SQLite    (the same copy into SQLite: the peer in the same run)
#   RocksDB -> SQLite   (back out of the store)
#   SQLite -> RocksDB with the verify pass (count + canonical checksum)
# Rows/s and peak RSS (GNU time), median of RUNS (default 3) runs each.
#   bench/copy/rocksdb.sh [FERRY_BINARY]    ROWS=1000000 RUNS=3
set -euo pipefail
FERRY=${1:-$(dirname "$0")/../../build-rocksdb/ferry}
ROWS=${ROWS:-1000000}
RUNS=${RUNS:-3}
W=$(mktemp -d /tmp/ferry-rocks-bench.XXXX)
trap 'rm -rf "$W"' EXIT
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
  SECS[$name]=$(printf "%s" "$s" | median)
  RSS[$name]=$(printf "%s" "$r" | median)
  printf "%-28s %8.2fs %12.0f rows/s  peak RSS %6d MB\n" "$name" "${SECS[$name]}" \
    "$(echo "$ROWS / ${SECS[$name]}" | bc -l)" "$(( ${RSS[$name]} / 1024 ))"
}

uptime
fresh_kv() { rm -rf "$W/kv"; }
fresh_dst() { rm -f "$W/dst.db"*; }
bench "ferry sqlite->rocksdb" fresh_kv "$FERRY" copy --from "sqlite:$W/src.db" --to "rocksdb:$W/kv" \
  --create-schema --no-verify --log-level warn
bench "ferry sqlite->sqlite" fresh_dst "$FERRY" copy --from "sqlite:$W/src.db" --to "sqlite:$W/dst.db" \
  --create-schema --no-verify --log-level warn
# The store from the last sqlite->rocksdb run is the source here.
bench "ferry rocksdb->sqlite" fresh_dst "$FERRY" copy --from "rocksdb:$W/kv" --to "sqlite:$W/dst.db" \
  --create-schema --no-verify --log-level warn
bench "ferry sqlite->rocksdb+verify" fresh_kv "$FERRY" copy --from "sqlite:$W/src.db" \
  --to "rocksdb:$W/kv" --create-schema --log-level warn
du -sh "$W/kv" "$W/src.db" >&2
uptime

echo
printf "ratio sqlite->rocksdb / sqlite->sqlite rows/s: %.2fx\n" \
  "$(echo "${SECS[ferry sqlite->sqlite]} / ${SECS[ferry sqlite->rocksdb]}" | bc -l)"
printf "ratio rocksdb->sqlite / sqlite->sqlite rows/s: %.2fx\n" \
  "$(echo "${SECS[ferry sqlite->sqlite]} / ${SECS[ferry rocksdb->sqlite]}" | bc -l)"
