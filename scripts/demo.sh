#!/usr/bin/env bash
# The demo on the embedded default engine (SQLite): installs what is needed,
# builds ferry, creates a sample database under demo/, applies the sample
# migrations from examples/migrations, and prints `ferry status`.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh
scripts/build.sh
FERRY=build/ferry
DEMO=${FERRY_DEMO_DIR:-demo}
rm -rf "$DEMO" && mkdir -p "$DEMO"
DB="sqlite:$DEMO/app.db"

echo "== plan: what would run, and how"
$FERRY --db "$DB" --migrations examples/migrations plan
echo "== up"
$FERRY --db "$DB" --migrations examples/migrations up
echo "== status"
$FERRY --db "$DB" --migrations examples/migrations status
echo "== check (exit 0: up to date)"
$FERRY --db "$DB" --migrations examples/migrations check
if [[ -x scripts/demo-ingest.sh ]]; then
  echo "== ingest sample narinfo records"
  scripts/demo-ingest.sh "$DEMO"
fi
