#!/usr/bin/env bash
# Backups benchmark: SQLite always, PostgreSQL when FERRY_TEST_PG_URL is set
# (scripts/test-servers.sh start; source /tmp/ferry-test/env).
#   bench/backup/run.sh [BUILD_DIR] [ROWS] [RUNS] [snapshot|archive]
# ("snapshot": only the snapshot steps; "archive": only the archive steps.
# PostgreSQL archives: FERRY_BENCH_PG_METHOD=copy (default) or pg_dump)
set -euo pipefail
BUILD=${1:-build-backup}; ROWS=${2:-1000000}; RUNS=${3:-3}; ONLY=${4:-}
uptime
WORK=$(mktemp -d /tmp/ferry-backup-bench.XXXXXX)
trap 'rm -rf "$WORK"; uptime' EXIT
if [[ "${FERRY_BENCH_SKIP_SQLITE:-}" != 1 ]]; then  # FERRY_BENCH_SKIP_SQLITE=1: PostgreSQL only
  # Peak RSS of the whole run (generation and every ferry step; the sqlite3 /
  # pg_dump children are not counted): /usr/bin/time's maximum resident set.
  /usr/bin/time -f "sqlite: backup_bench peak RSS %M KB" \
    "$BUILD/bench/backup/backup_bench" "sqlite:$WORK/bench.db" "$ROWS" "$RUNS" "$WORK/sqlite" $ONLY
fi
if [[ -n "${FERRY_TEST_PG_URL:-}" ]]; then
  # One database per run: two engineers' benches must not drop each other's.
  DB=ferry_backup_bench_$$
  psql "$FERRY_TEST_PG_URL" -q -c "DROP DATABASE IF EXISTS $DB" >/dev/null
  psql "$FERRY_TEST_PG_URL" -q -c "CREATE DATABASE $DB" >/dev/null
  PGURL=$(echo "$FERRY_TEST_PG_URL" | sed -E "s#/[^/?]+(\?|\$)#/$DB\1#")
  # Dropped on any exit too: a failed run must not leave a 700 MB database behind.
  trap 'psql "$FERRY_TEST_PG_URL" -q -c "DROP DATABASE IF EXISTS $DB WITH (FORCE)" >/dev/null; rm -rf "$WORK"; uptime' EXIT
  /usr/bin/time -f "postgres: backup_bench peak RSS %M KB" \
    "$BUILD/bench/backup/backup_bench" "$PGURL" "$ROWS" "$RUNS" "$WORK/pg" $ONLY
  psql "$FERRY_TEST_PG_URL" -q -c "DROP DATABASE $DB WITH (FORCE)" >/dev/null
fi
