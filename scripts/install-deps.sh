#!/usr/bin/env bash
# Installs everything ferry needs to build, test and benchmark on Debian 12.
# Idempotent: packages already present are skipped, so a second run is quick.
#   scripts/install-deps.sh            build + test dependencies
#   scripts/install-deps.sh --bench    also the peer tools the benchmarks compare with
set -euo pipefail

build_pkgs=(build-essential cmake ninja-build pkg-config git
  libsqlite3-dev sqlite3 libpq-dev libhiredis-dev libcli11-dev libspdlog-dev libfmt-dev
  nlohmann-json3-dev libtomlplusplus-dev libcurl4-openssl-dev libssl-dev
  libarchive-dev libzstd-dev libcpp-httplib-dev libgtest-dev libgmock-dev libmariadb-dev)
build_pkgs+=(librocksdb-dev)  # RocksDB, the key-value engine (FERRY_WITH_ROCKSDB, src/kv/rocksdb/)
build_pkgs+=(libxxhash-dev)  # XXH3-128 row hashes of SQLite table checksums (header-only use)
server_pkgs=(postgresql postgresql-client mariadb-server mariadb-client redis-server nodejs npm procps)
bench_pkgs=(hyperfine python3-alembic python3-sqlalchemy time pgloader)

want=("${build_pkgs[@]}" "${server_pkgs[@]}")
[[ "${1:-}" == "--bench" ]] && want+=("${bench_pkgs[@]}")

missing=()
for p in "${want[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
# nodejs/npm may come from outside Debian (e.g. nodesource); a working `npm` is enough.
if command -v npm >/dev/null 2>&1; then
  missing=("${missing[@]/nodejs}"); missing=("${missing[@]/npm}")
fi
filtered=(); for p in "${missing[@]}"; do [[ -n "$p" ]] && filtered+=("$p"); done
if ((${#filtered[@]})); then
  SUDO=""; [[ $(id -u) -ne 0 ]] && SUDO="sudo"
  export DEBIAN_FRONTEND=noninteractive
  $SUDO apt-get update -qq
  $SUDO apt-get install -y -qq --no-install-recommends "${filtered[@]}"
fi

# DuckDB is not packaged by Debian: a pinned copy from npm (a no-op when the
# stamp matches). Without network the build goes on without DuckDB, and the
# DuckDB tests then fail under FERRY_TEST_REQUIRE_SERVERS=1 (CI).
"$(dirname "$0")/fetch-duckdb.sh" "$(dirname "$0")/../third_party/duckdb" ||
  echo "install-deps: DuckDB not fetched; ferry builds without the duckdb: engine" >&2
