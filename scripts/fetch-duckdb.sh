#!/usr/bin/env bash
# Fetches DuckDB's C API (header + shared library) from the npm registry, since
# Debian has no DuckDB package (shared/DEPENDENCIES.md, "DuckDB from npm").
#   scripts/fetch-duckdb.sh DEST        e.g. third_party/duckdb (git-ignored)
# Result: DEST/include/duckdb.h, DEST/lib/libduckdb.so, DEST/lib/LICENSE, DEST/.stamp.
#
# Both tarballs are pinned by their npm `integrity` (sha512); a mismatch fails
# and leaves DEST as it was. DEST is assembled in a temp folder beside it and
# renamed into place, so a killed run never leaves a half-filled DEST. A DEST
# whose .stamp matches the pins is left alone (a re-run is a no-op).
# Exit codes: 0 ok (or already there), 1 usage, 2 download failed (no network
# or no npm), 3 checksum mismatch.
set -euo pipefail

DUCKDB_VERSION=1.4.4
BINDINGS_VERSION=1.4.4-r.4
DUCKDB_SHA512='hEJJ5hyVF0VLj3dmOLpsWrQR0b3d4Ykqtygm6iUXjHJDDnSqg/USKxcb5qvNrOhFYPgktayU6dXCtgPqcmmpog=='
BINDINGS_SHA512='jBTL/WvfwxLToFa/pVHfT6elMtltJGnc3wSuxZD9OfMltit9YUdVFS37vBFQzXMT1Z8OWjtSjMh+zPKxOwHLHA=='

if [[ $# -ne 1 ]]; then
  echo "usage: $0 DEST" >&2
  exit 1
fi
dest=${1%/}
stamp="duckdb@${DUCKDB_VERSION} sha512-${DUCKDB_SHA512}
@duckdb/node-bindings-linux-x64@${BINDINGS_VERSION} sha512-${BINDINGS_SHA512}"

if [[ -f "$dest/.stamp" && "$(cat "$dest/.stamp")" == "$stamp" && -f "$dest/lib/libduckdb.so" &&
  -f "$dest/include/duckdb.h" ]]; then
  exit 0
fi

if ! command -v npm >/dev/null 2>&1; then
  echo "fetch-duckdb: npm not found; building without DuckDB" >&2
  exit 2
fi

mkdir -p "$(dirname "$dest")"
work=$(mktemp -d "$(dirname "$dest")/.duckdb-fetch.XXXXXX")
work=$(cd "$work" && pwd)
trap 'rm -rf "$work"' EXIT

if ! (cd "$work" && npm pack --silent "duckdb@${DUCKDB_VERSION}" \
  "@duckdb/node-bindings-linux-x64@${BINDINGS_VERSION}" >/dev/null 2>"$work/npm.log"); then
  echo "fetch-duckdb: npm pack failed (no network?); building without DuckDB:" >&2
  grep -v '^npm warn' "$work/npm.log" | tail -5 >&2 || true
  exit 2
fi

check() {  # file expected-base64-sha512
  local got
  # node comes with npm, so no other tool is needed to hash.
  got=$(node -e 'const c=require("crypto"),f=require("fs");
    process.stdout.write(c.createHash("sha512").update(f.readFileSync(process.argv[1])).digest("base64"))' "$1")
  if [[ "$got" != "$2" ]]; then
    echo "fetch-duckdb: $1: sha512 mismatch (got $got, want $2)" >&2
    exit 3
  fi
}
duck_tgz="$work/duckdb-${DUCKDB_VERSION}.tgz"
bind_tgz="$work/duckdb-node-bindings-linux-x64-${BINDINGS_VERSION}.tgz"
check "$duck_tgz" "$DUCKDB_SHA512"
check "$bind_tgz" "$BINDINGS_SHA512"

new="$work/new"
mkdir -p "$new/include" "$new/lib" "$work/x1" "$work/x2"
tar -xzf "$duck_tgz" -C "$work/x1" package/src/duckdb/src/include/duckdb.h
tar -xzf "$bind_tgz" -C "$work/x2" package/libduckdb.so package/LICENSE
mv "$work/x1/package/src/duckdb/src/include/duckdb.h" "$new/include/"
mv "$work/x2/package/libduckdb.so" "$work/x2/package/LICENSE" "$new/lib/"
printf '%s\n' "$stamp" >"$new/.stamp"
# The stamp is compared without its trailing newline ($(cat) strips it).

# Swap into place: the old DEST (stale stamp) moves aside first, then goes.
if [[ -e "$dest" ]]; then mv "$dest" "$work/old"; fi
mv "$new" "$dest"
echo "fetch-duckdb: DuckDB ${DUCKDB_VERSION} in $dest"
