#!/usr/bin/env bash
# Key-value store (RocksDB) archives: `ferry backup create --archive` of a
# store of a few hundred MB against plain tar + zstd of the same store
# directory (closed and quiet, so it holds what a checkpoint would link),
# interleaved in the same run, medians of RUNS. Optionally a second ferry
# binary (BEFORE, e.g. last session's) in the same rounds.
#   bench/backup/kv_run.sh [BUILD_DIR] [ROWS] [RUNS] [BEFORE_FERRY]
# Prints per tool: seconds, MB/s of store data, peak RSS (/usr/bin/time %M:
# the process and the children it waits for), and ferry's phase line
# (--log-level debug). ferry's create = checkpoint + tar.zst (zstd -1, two
# workers) with manifest + fsync + a read-back check of every entry; the
# peers do none of the checking. `tar -I "zstd -1 -T2"` is the same codec
# settings as ferry; `tar --zstd` is the plain default (level 3, one thread).
set -euo pipefail
BUILD=${1:-build-s5-kv}; ROWS=${2:-500000}; RUNS=${3:-3}; BEFORE=${4:-}
FERRY=$BUILD/ferry
uptime
WORK=$(mktemp -d /tmp/ferry-kv-bench.XXXXXX)
trap 'rm -rf "$WORK"; uptime' EXIT

# ~600 bytes a row (560 hex chars of body, as the SQL backup benches).
sqlite3 "$WORK/gen.db" <<SQL
CREATE TABLE chunks (id INTEGER PRIMARY KEY, tenant TEXT, hash TEXT, body TEXT, created_at TEXT);
WITH RECURSIVE c(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM c WHERE i < $ROWS)
INSERT INTO chunks SELECT i, 'tenant-' || (i % 50), hex(randomblob(8)), hex(randomblob(280)),
  '2026-12-06T00:00:00Z' FROM c;
SQL
"$FERRY" copy --from "sqlite:$WORK/gen.db" --to "rocksdb:$WORK/store" --create-schema >/dev/null
rm -f "$WORK/gen.db"
STORE_MB=$(du -sm "$WORK/store" | cut -f1)
echo "store: $ROWS rows, ${STORE_MB} MB on disk ($(ls "$WORK/store" | wc -l) files)"

declare -A T M
run() {  # name, command...; appends seconds and peak KB
  local name=$1; shift
  sync
  /usr/bin/time -f "%e %M" -o "$WORK/time" "$@" >"$WORK/out" 2>"$WORK/err" || {
    cat "$WORK/err"; exit 1; }
  read -r s kb <"$WORK/time"
  T[$name]+="$s "; M[$name]+="$kb "
  grep -o 'archive create [^ ]* phases.*' "$WORK/err" | sed "s/^/  $name: /" || true
}
median() { tr ' ' '\n' | grep -v '^$' | sort -g | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }

for r in $(seq 1 "$RUNS"); do
  echo "round $r (load $(cut -d' ' -f1-3 /proc/loadavg))"
  rm -rf "$WORK/backups"
  run ferry "$FERRY" --db "rocksdb:$WORK/store" backup create --archive --dir "$WORK/backups" \
    --log-level debug
  ARCH_MB=$(( $(stat -c %s "$WORK"/backups/*.tar.zst | head -1) / 1048576 ))
  if [[ -n "$BEFORE" ]]; then
    rm -rf "$WORK/backups"  # ferry's archive, measured above
    run ferry-before "$BEFORE" --db "rocksdb:$WORK/store" backup create --archive \
      --dir "$WORK/backups"
  fi
  run tar-zstd-1-T2 tar -I "zstd -1 -T2" -cf "$WORK/peer1.tar.zst" -C "$WORK/store" .
  PEER_MB=$(( $(stat -c %s "$WORK/peer1.tar.zst") / 1048576 ))
  rm -f "$WORK/peer1.tar.zst"  # the disk is shared: one archive at a time
  run tar--zstd tar --zstd -cf "$WORK/peer2.tar.zst" -C "$WORK/store" .
  rm -f "$WORK/peer2.tar.zst"
done
echo "archive: ${ARCH_MB} MB (ferry); tar -I 'zstd -1 -T2': ${PEER_MB} MB"
echo
echo "| tool | median s | MB/s (store) | peak RSS | runs (s) |"
echo "|---|---|---|---|---|"
for name in ferry ferry-before tar-zstd-1-T2 tar--zstd; do
  [[ -n "${T[$name]:-}" ]] || continue
  s=$(echo "${T[$name]}" | median); kb=$(echo "${M[$name]}" | median)
  echo "| $name | $s | $(awk -v m="$STORE_MB" -v s="$s" 'BEGIN {printf "%.0f", m / s}') |" \
       "$(( kb / 1024 )) MB | ${T[$name]}|"
done
