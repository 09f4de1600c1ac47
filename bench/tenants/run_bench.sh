#!/usr/bin/env bash
# Tenant migrations benchmark: N tenants x 3 small SQL migrations, run by
# `ferry tenants up` at concurrency 1, 5, 20, against the same SQL run
# directly (psql / sqlite3, split into as many parallel sessions).
#
#   bench/tenants/run_bench.sh [ferry-binary] [pg-tenants] [sqlite-tenants] [runs]
#   CONCS="1 5 20" (default) picks the concurrency levels.
#
# PostgreSQL: schema per tenant, the ledger in the same database. Needs
#   FERRY_TEST_PG_URL (scripts/test-servers.sh start; source /tmp/ferry-test/env).
# SQLite: database per tenant (one file each), the ledger in a SQLite main db.
# Prints one line per (engine, mode, concurrency): median seconds of `runs`
# runs, tenants/s, peak RSS of ferry (/usr/bin/time), and the overhead per
# tenant vs direct. The load average is printed before and after: the numbers
# only compare within one run of this script.
set -euo pipefail
FERRY=${1:-$(dirname "$0")/../../build-tenants/ferry}
PG_N=${2:-10000}
SQ_N=${3:-10000}
RUNS=${4:-3}
CONCS=${CONCS:-1 5 20}
FERRY=$(readlink -f "$FERRY")
W=$(mktemp -d /tmp/ferry_tenants_bench.XXXXXX)
trap 'rm -rf "$W"' EXIT

median() { sort -g | awk '{a[NR]=$1} END {print (NR%2 ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2)}'; }
now() { date +%s.%N; }

mkdir -p "$W/tm_pg" "$W/tm_sq"
cat > "$W/tm_pg/0001_items.sql" <<'SQL'
CREATE TABLE {{tenant_schema}}.items (id BIGINT PRIMARY KEY, owner TEXT NOT NULL, body TEXT);
SQL
cat > "$W/tm_pg/0002_seed.sql" <<'SQL'
INSERT INTO items (id, owner, body) VALUES (1, :tenant, 'hello'), (2, :tenant, 'world');
SQL
cat > "$W/tm_pg/0003_index.sql" <<'SQL'
CREATE INDEX items_owner ON items (owner);
SQL
cat > "$W/tm_sq/0001_items.sql" <<'SQL'
CREATE TABLE items (id INTEGER PRIMARY KEY, owner TEXT NOT NULL, body TEXT);
SQL
cat > "$W/tm_sq/0002_seed.sql" <<'SQL'
INSERT INTO items (id, owner, body) VALUES (1, :tenant, 'hello'), (2, :tenant, 'world');
SQL
cat > "$W/tm_sq/0003_index.sql" <<'SQL'
CREATE INDEX items_owner ON items (owner);
SQL

report() {  # engine mode conc n secs... (one per run)
  local engine=$1 mode=$2 conc=$3 n=$4; shift 4
  local med; med=$(printf '%s\n' "$@" | median)
  local rss=""
  [[ "$mode" == ferry ]] && rss=" peak_rss_kb=$(sort -n "$W/rss.all" | tail -1)"
  echo "$engine $mode c=$conc n=$n median=${med}s runs=[$*] tenants_per_s=$(awk -v n="$n" -v s="$med" 'BEGIN{printf "%.0f", n/s}')$rss"
}
# Runs ferry under /usr/bin/time, keeping its peak RSS in $W/rss.all.
timed_ferry() {
  /usr/bin/time -f %M -o "$W/rss.one" "$FERRY" "$@"
  cat "$W/rss.one" >> "$W/rss.all"
}
echo "load before: $(uptime)"

# ---------------- PostgreSQL, schema per tenant ----------------
if [[ -n "${FERRY_TEST_PG_URL:-}" && "$PG_N" -gt 0 ]]; then
  ADMIN=$FERRY_TEST_PG_URL
  BASE=${ADMIN%/*}
  DB=ferry_bench_tenants_$$
  pg_reset() {
    psql -q "$ADMIN" -c "DROP DATABASE IF EXISTS $DB WITH (FORCE)" -c "CREATE DATABASE $DB" >/dev/null
    psql -q "$BASE/$DB" -c "DO \$\$ BEGIN FOR i IN 1..$PG_N LOOP EXECUTE format('CREATE SCHEMA kb_%s', i); END LOOP; END \$\$" >/dev/null
  }
  # The direct baseline: the same statements, one tenant after another, in
  # `conc` psql sessions (autocommit, like a hand-written loop would run).
  for i in $(seq 1 "$PG_N"); do
    echo "SET search_path TO kb_$i; CREATE TABLE kb_$i.items (id BIGINT PRIMARY KEY, owner TEXT NOT NULL, body TEXT); INSERT INTO items (id, owner, body) VALUES (1, 'kb_$i', 'hello'), (2, 'kb_$i', 'world'); CREATE INDEX items_owner ON items (owner);"
  done > "$W/pg_direct.sql"
  for conc in $CONCS; do
    direct=(); ferry=(); : > "$W/rss.all"
    for run in $(seq 1 "$RUNS"); do
      pg_reset
      split -n "l/$conc" -d "$W/pg_direct.sql" "$W/pgpart."
      t0=$(now)
      for f in "$W"/pgpart.*; do psql -q -X "$BASE/$DB" -f "$f" >/dev/null & done
      wait
      direct+=("$(awk -v a="$t0" -v b="$(now)" 'BEGIN{printf "%.3f", b-a}')")
      rm -f "$W"/pgpart.*
      pg_reset
      t0=$(now)
      timed_ferry -q tenants up --db "$BASE/$DB" --tenant-migrations "$W/tm_pg" --tenants-schemas 'kb\_%' \
        --concurrency "$conc"
      ferry+=("$(awk -v a="$t0" -v b="$(now)" 'BEGIN{printf "%.3f", b-a}')")
      done_n=$(psql -qtAX "$BASE/$DB" -c "SELECT count(*) FROM ferry_tenants WHERE version = '3'")
      [[ "$done_n" == "$PG_N" ]] || { echo "ferry left tenants behind: $done_n of $PG_N" >&2; exit 1; }
    done
    report postgres direct "$conc" "$PG_N" "${direct[@]}"
    report postgres ferry "$conc" "$PG_N" "${ferry[@]}"
    dm=$(printf '%s\n' "${direct[@]}" | median); fm=$(printf '%s\n' "${ferry[@]}" | median)
    echo "postgres overhead c=$conc: $(awk -v f="$fm" -v d="$dm" -v n="$PG_N" 'BEGIN{printf "%.3f ms/tenant", (f-d)*1000/n}')"
  done
  psql -q "$ADMIN" -c "DROP DATABASE IF EXISTS $DB WITH (FORCE)" >/dev/null
fi

# ---------------- SQLite, database per tenant ----------------
if [[ "$SQ_N" -gt 0 ]]; then
  sq_reset() {
    rm -rf "$W/sq" "$W/main.db"*; mkdir -p "$W/sq"
    (cd "$W/sq" && seq 1 "$SQ_N" | sed 's/^/kb/; s/$/.db/' | xargs touch)
  }
  for conc in $CONCS; do
    direct=(); ferry=(); : > "$W/rss.all"
    for run in $(seq 1 "$RUNS"); do
      sq_reset
      t0=$(now)
      # One sqlite3 process per tenant file, `conc` at a time.
      ls "$W/sq" | xargs -P "$conc" -I{} sh -c "id=\$(basename {} .db); printf \"CREATE TABLE items (id INTEGER PRIMARY KEY, owner TEXT NOT NULL, body TEXT); INSERT INTO items (id, owner, body) VALUES (1, '%s', 'hello'), (2, '%s', 'world'); CREATE INDEX items_owner ON items (owner);\" \$id \$id | sqlite3 '$W/sq/{}'"
      direct+=("$(awk -v a="$t0" -v b="$(now)" 'BEGIN{printf "%.3f", b-a}')")
      sq_reset
      t0=$(now)
      timed_ferry -q tenants up --db "sqlite:$W/main.db" --tenant-migrations "$W/tm_sq" --tenants-dir "$W/sq" \
        --concurrency "$conc"
      ferry+=("$(awk -v a="$t0" -v b="$(now)" 'BEGIN{printf "%.3f", b-a}')")
      done_n=$(sqlite3 "$W/main.db" "SELECT count(*) FROM ferry_tenants WHERE version = '3'")
      [[ "$done_n" == "$SQ_N" ]] || { echo "ferry left tenants behind: $done_n of $SQ_N" >&2; exit 1; }
    done
    report sqlite direct "$conc" "$SQ_N" "${direct[@]}"
    report sqlite ferry "$conc" "$SQ_N" "${ferry[@]}"
    dm=$(printf '%s\n' "${direct[@]}" | median); fm=$(printf '%s\n' "${ferry[@]}" | median)
    echo "sqlite overhead c=$conc: $(awk -v f="$fm" -v d="$dm" -v n="$SQ_N" 'BEGIN{printf "%.3f ms/tenant", (f-d)*1000/n}')"
  done
fi
echo "load after: $(uptime)"
