#!/usr/bin/env bash
# Installs everything, builds, starts the test servers (PostgreSQL, Redis,
# s3rver on loopback), and runs every test. This is what CI runs (.ci/run).
#   scripts/test.sh            all tiers (quick, full, integration)
#   scripts/test.sh -L quick   pass ctest arguments through
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh
scripts/build.sh
scripts/test-servers.sh start
# shellcheck disable=SC1091
source /tmp/ferry-test/env
# A test that needs a server and cannot find one fails instead of skipping.
export FERRY_TEST_REQUIRE_SERVERS=1
cd "${FERRY_BUILD_DIR:-build}"
ctest --output-on-failure -j2 --timeout 900 "$@"
