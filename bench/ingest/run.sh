#!/usr/bin/env bash
# Ingest benchmark: files/s and peak RSS of `ferry ingest` from a local
# Nix-cache tree into SQLite and PostgreSQL, with and without --delete-source,
# next to the ncps-style row-by-row baseline (one transaction per file) and
# the raw load of the same rows from CSV (sqlite3 .import / psql \copy).
#
#   bench/ingest/run.sh BUILD_DIR N [RUNS] [ENGINES] [ROWBYROW_MAX]
#   e.g. bench/ingest/run.sh build-ingest 100000 3 "sqlite postgres" 20000
#
# PostgreSQL: the server of scripts/test-servers.sh (FERRY_TEST_PG_URL from
# /tmp/ferry-test/env); a scratch database ferry_bench_ingest is recreated per
# run. Prints one TSV line per run and a markdown table of medians.
set -euo pipefail
B=$(cd "${1:?build dir}" && pwd)
N=${2:?number of files}
RUNS=${3:-3}
ENGINES=${4:-"sqlite postgres"}
RBR_MAX=${5:-20000}
FERRY=$B/ferry
GEN=$B/bench/ingest/ingest_bench_gen
RBR=$B/bench/ingest/ingest_bench_rowbyrow
W=${FERRY_BENCH_DIR:-/tmp/ferry-bench-ingest}/$N
OUT=$W/results.tsv
mkdir -p "$W"
[[ -f /tmp/ferry-test/env ]] && source /tmp/ferry-test/env

if [[ ! -f $W/tree.done ]]; then
  rm -rf "$W/tree" "$W/csv"
  echo "generating $N narinfos in $W/tree" >&2
  "$GEN" "$W/tree" "$N" --malformed-every 10000 --csv "$W/csv" >&2
  touch "$W/tree.done"
fi
FILES=$(( N + N / 10000 ))  # narinfos incl. malformed (what ingest processes)

now() { date +%s.%N; }
# run LABEL ENGINE VARIANT FILES CMD...: times CMD under /usr/bin/time -v
run() {
  local engine=$1 variant=$2 files=$3; shift 3
  local t0 t1
  t0=$(now)
  /usr/bin/time -v -o "$W/time.txt" "$@" >"$W/cmd.out" 2>"$W/cmd.err" || true
  t1=$(now)
  local rss secs cpu load
  rss=$(awk -F': ' '/Maximum resident/ {print $2}' "$W/time.txt")
  cpu=$(awk -F': ' '/User time|System time/ {s += $2} END {printf "%.2f", s}' "$W/time.txt")
  secs=$(echo "$t1 - $t0" | bc -l)
  load=$(cut -d' ' -f1 /proc/loadavg)
  printf '%s\t%s\t%s\t%.3f\t%.0f\t%s\t%s\t%s\n' "$engine" "$variant" "$files" "$secs" \
    "$(echo "$files / $secs" | bc -l)" "$rss" "$cpu" "$load" | tee -a "$OUT"
}

pg_db() {  # recreate the scratch database, print its URL
  local base=${FERRY_TEST_PG_URL%/*}
  psql -q "$FERRY_TEST_PG_URL" -c "DROP DATABASE IF EXISTS ferry_bench_ingest WITH (FORCE)" >/dev/null
  psql -q "$FERRY_TEST_PG_URL" -c "CREATE DATABASE ferry_bench_ingest" >/dev/null
  echo "$base/ferry_bench_ingest"
}
db_url() {  # fresh database URL for an engine
  if [[ $1 == sqlite ]]; then rm -f "$W"/db.sqlite*; echo "sqlite:$W/db.sqlite"; else pg_db; fi
}
make_tables() {  # create the codec tables (ferry ingest of an empty dir)
  mkdir -p "$W/empty"
  "$FERRY" -q ingest --from "file://$W/empty" --db "$1" >/dev/null
}
COLS="hash,store_path,url,compression,file_hash,file_size,nar_hash,nar_size,deriver,system,ca"

for r in $(seq 1 "$RUNS"); do
  for e in $ENGINES; do
    url=$(db_url "$e")
    run "$e" ferry "$FILES" "$FERRY" -q ingest --from "file://$W/tree" --format narinfo --db "$url"

    url=$(db_url "$e")
    rm -rf "$W/tree-del"; cp -al "$W/tree" "$W/tree-del"  # hard links: deleting costs the copy only
    run "$e" ferry-delete-source "$FILES" "$FERRY" -q ingest --from "file://$W/tree-del" --db "$url" --delete-source
    rm -rf "$W/tree-del"

    url=$(db_url "$e"); make_tables "$url"
    workers=1; [[ $e == postgres ]] && workers=10
    n=$(( RBR_MAX < N ? RBR_MAX : N ))
    run "$e" "rowbyrow(first $n)" "$n" "$RBR" "$W/tree" "$url" "$workers" "$n"

    url=$(db_url "$e"); make_tables "$url"
    if [[ $e == sqlite ]]; then
      # The raw limit: the same rows, the same tables and indexes, one
      # transaction, the same page cache and synchronous setting as ferry's
      # writer (src/jobs/ingest/writer_tuning.h). Child rows are imported
      # straight into their tables; narinfos goes through an in-memory
      # staging table only to turn CSV's empty fields into NULLs.
      cat >"$W/import.sql" <<SQL
PRAGMA cache_size=-8192;
PRAGMA synchronous=NORMAL;
PRAGMA temp_store=MEMORY;
.mode csv
BEGIN;
CREATE TEMP TABLE s_n(hash,store_path,url,compression,file_hash,file_size,nar_hash,nar_size,deriver,system,ca);
.import --skip 1 $W/csv/narinfos.csv s_n
INSERT INTO narinfos ($COLS) SELECT hash, store_path, url, compression, NULLIF(file_hash,''),
  CAST(NULLIF(file_size,'') AS INTEGER), nar_hash, CAST(nar_size AS INTEGER), NULLIF(deriver,''),
  NULLIF(system,''), NULLIF(ca,'') FROM s_n;
.import --skip 1 $W/csv/narinfo_references.csv narinfo_references
.import --skip 1 $W/csv/narinfo_signatures.csv narinfo_signatures
COMMIT;
SQL
      run "$e" "raw sqlite3 .import" "$N" sqlite3 "$W/db.sqlite" ".read $W/import.sql"
    else
      cat >"$W/import.psql" <<SQL
\copy narinfos ($COLS) from '$W/csv/narinfos.csv' with (format csv, header true)
\copy narinfo_references from '$W/csv/narinfo_references.csv' with (format csv, header true)
\copy narinfo_signatures from '$W/csv/narinfo_signatures.csv' with (format csv, header true)
SQL
      run "$e" "raw psql \\copy" "$N" psql -q -1 -v ON_ERROR_STOP=1 "$url" -f "$W/import.psql"
    fi
  done
done

echo
echo "| engine | variant | files | median s | median files/s | median peak RSS MB | median CPU s | load |"
echo "|---|---|---:|---:|---:|---:|---:|---:|"
python3 - "$OUT" <<'PY'
import sys, statistics, collections
rows = collections.defaultdict(list)
for line in open(sys.argv[1]):
    e, v, f, s, rate, rss, cpu, load = (line.rstrip("\n").split("\t") + ["0", "0"])[:8]
    rows[(e, v, f)].append((float(s), float(rate), int(rss or 0), float(cpu), float(load)))
for (e, v, f), xs in rows.items():
    med = lambda i: statistics.median(x[i] for x in xs)
    print(f"| {e} | {v} | {f} | {med(0):.2f} | {med(1):,.0f} | {med(2)/1024:.1f} | {med(3):.2f} | "
          f"{med(4):.1f} | (n={len(xs)})")
PY
