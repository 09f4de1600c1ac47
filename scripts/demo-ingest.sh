#!/usr/bin/env bash
# Second half of the demo: ingest the sample Nix binary cache under
# examples/nix-cache into the demo database (narinfos, references,
# signatures), then run it again to show it is idempotent.
#   scripts/demo-ingest.sh DEMO_DIR
set -euo pipefail
cd "$(dirname "$0")/.."
DEMO=${1:-demo}
FERRY=build/ferry
SRC="file://$(pwd)/examples/nix-cache"
$FERRY ingest --from "$SRC" --format narinfo --db "sqlite:$DEMO/app.db"
echo "== again: everything is already there (skipped)"
$FERRY ingest --from "$SRC" --format narinfo --db "sqlite:$DEMO/app.db"
echo "== rows"
for t in narinfos narinfo_references narinfo_signatures; do
  printf '%-20s %s\n' "$t" "$(sqlite3 "$DEMO/app.db" "SELECT count(*) FROM $t")"
done
