#!/usr/bin/env bash
# Copy benchmark, MySQL/MariaDB part (issue 6): the `chunks` table (~600
# bytes/row, same generator as bench/copy/run.sh) copied
#   SQLite -> MySQL   ferry copy (multi-row prepared INSERTs, a checkpoint per batch)
#   peer              `mariadb` LOAD DATA LOCAL INFILE of the same rows (a TSV
#                     exported beforehand; only the load is timed) into the
#                     same table definition
# against the loopback MariaDB of scripts/test-servers.sh (FERRY_TEST_MYSQL_URL).
# Rows/s and peak RSS (GNU time), median of RUNS runs each.
#   bench/copy/mysql.sh [FERRY_BINARY]    ROWS=200000 RUNS=3
set -euo pipefail
FERRY=${1:-$(dirname "$0")/../../build-mysql/ferry}
ROWS=${ROWS:-200000}
RUNS=${RUNS:-3}
: "${FERRY_TEST_MYSQL_URL:?source /tmp/ferry-test/env first (scripts/test-servers.sh start)}"
W=$(mktemp -d /tmp/ferry-mysql-bench.XXXX)
trap 'rm -rf "$W"' EXIT
DB=ferry_bench_copy
URL="${FERRY_TEST_MYSQL_URL%/*}/$DB"
MY=(mariadb --no-defaults -h 127.0.0.1 -P 53306 -u ferry -pferry)

echo "generating $ROWS rows..." >&2
sqlite3 "$W/src.db" <<SQL
PRAGMA journal_mode=off; PRAGMA synchronous=off;
CREATE TABLE chunks (id INTEGER PRIMARY KEY, doc_id TEXT NOT NULL, seq INTEGER NOT NULL,
  score REAL, created_at TEXT, body TEXT NOT NULL);
WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < $ROWS)
INSERT INTO chunks SELECT i, 'doc-' || (i / 20), i % 20, (i % 1000) / 7.0,
  '2024-01-01 00:00:00', substr(hex(randomblob(270)), 1, 540) FROM n;
SQL
sqlite3 -separator $'\t' "$W/src.db" "SELECT * FROM chunks ORDER BY id" >"$W/chunks.tsv"

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
fresh_db() { "${MY[@]}" -e "DROP DATABASE IF EXISTS $DB; CREATE DATABASE $DB CHARACTER SET utf8mb4"; }
# The table ferry creates for `chunks` (see src/jobs/copy/mysql_copy.h).
fresh_table() {
  fresh_db
  "${MY[@]}" "$DB" -e "CREATE TABLE chunks (id BIGINT NOT NULL, doc_id LONGTEXT NOT NULL,
    seq BIGINT NOT NULL, score DOUBLE, created_at LONGTEXT, body LONGTEXT NOT NULL,
    PRIMARY KEY (id)) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin"
}

uptime
bench "ferry sqlite->mysql" fresh_db "$FERRY" copy --from "sqlite:$W/src.db" --to "$URL" \
  --create-schema --no-verify --log-level warn
n=$("${MY[@]}" -N "$DB" -e "SELECT COUNT(*) FROM chunks"); [[ "$n" == "$ROWS" ]] || { echo "ferry copied $n rows" >&2; exit 1; }
bench "mariadb LOAD DATA LOCAL INFILE" fresh_table "${MY[@]}" --local-infile=1 "$DB" -e \
  "LOAD DATA LOCAL INFILE '$W/chunks.tsv' INTO TABLE chunks FIELDS TERMINATED BY '\t'"
n=$("${MY[@]}" -N "$DB" -e "SELECT COUNT(*) FROM chunks"); [[ "$n" == "$ROWS" ]] || { echo "LOAD DATA loaded $n rows" >&2; exit 1; }
printf "ferry / LOAD DATA: %.2f of its rows/s\n" "$(echo "${SECS[mariadb LOAD DATA LOCAL INFILE]} / ${SECS[ferry sqlite->mysql]}" | bc -l)"
"${MY[@]}" -e "DROP DATABASE IF EXISTS $DB"
uptime
