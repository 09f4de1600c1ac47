#!/usr/bin/env bash
# Starts (or stops) the real servers the integration and conformance tests
# talk to, all on loopback and all under one scratch directory:
#
#   PostgreSQL 15  127.0.0.1:55433  user ferry (trust auth), database ferry_test
#   MariaDB 10.11  127.0.0.1:53306  user ferry/ferry, database ferry (tests make
#                                   their own ferry_t_* databases: ferry may)
#   Redis 7        127.0.0.1:56379
#   s3rver 3.7.1   127.0.0.1:54569  bucket ferry-bucket (keys S3RVER/S3RVER)
#
#   scripts/test-servers.sh start    start whatever is not running, wait until
#                                    each answers, write $FERRY_TEST_DIR/env
#   scripts/test-servers.sh stop     stop them all (data stays; start reuses it)
#   scripts/test-servers.sh status   say which are up
#
# Then: `source /tmp/ferry-test/env` and run the tests.
#
# fsync=off: a test server needs no durability against OS crashes, and
# CREATE DATABASE per test binary becomes cheap. (Killing the server process
# still loses nothing committed.)
#
# Idempotent: a server already answering on its port is left alone. Works as
# root (PostgreSQL refuses root, so it runs as the `postgres` user) or as an
# ordinary user (then everything runs as that user). No system service is
# touched: a packaged server started by apt listens on its default port.
#
# Tests that need isolation create their own databases/schemas (see
# tests/conformance/database/pg_scratch_database.h), so many test binaries can
# share these servers.
set -euo pipefail

S="${FERRY_TEST_DIR:-/tmp/ferry-test}"
PG_PORT=55433
REDIS_PORT=56379
S3_PORT=54569
S3_BUCKET=ferry-bucket
S3RVER_VERSION=3.7.1
PG_DB=ferry_test
MY_PORT=53306

die() { echo "test-servers: error: $*" >&2; exit 1; }
say() { echo "test-servers: $*"; }

port_open() {  # port -> 0 when something accepts a TCP connection
  (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null
}

wait_for() {  # name seconds command...
  local name=$1 secs=$2; shift 2
  local i
  for ((i = 0; i < secs * 10; i++)); do
    if "$@" >/dev/null 2>&1; then return 0; fi
    sleep 0.1
  done
  die "$name did not answer within ${secs}s (see the log under $S)"
}

pg_bindir() {
  local d
  for d in "$(pg_config --bindir 2>/dev/null || true)" /usr/lib/postgresql/15/bin \
           /usr/lib/postgresql/*/bin; do
    if [[ -n "$d" && -x "$d/initdb" && -x "$d/pg_ctl" ]]; then echo "$d"; return 0; fi
  done
  die "PostgreSQL server binaries (initdb, pg_ctl) not found: run scripts/install-deps.sh"
}

# Runs a command as the PostgreSQL owner: `postgres` when we are root.
as_pg() {
  if [[ $(id -u) -eq 0 ]]; then
    runuser -u postgres -- "$@"
  else
    "$@"
  fi
}

pg_ready() { "$PGBIN/pg_isready" -q -h 127.0.0.1 -p "$PG_PORT"; }

start_pg() {
  PGBIN=$(pg_bindir)
  local dir="$S/pg"
  if [[ $(id -u) -eq 0 ]]; then
    id postgres >/dev/null 2>&1 || die "user postgres missing (install the postgresql package)"
    install -d -o postgres -g postgres -m 700 "$dir"
  else
    install -d -m 700 "$dir"
  fi
  if pg_ready; then
    say "postgres already answering on $PG_PORT"
  else
    if [[ ! -f "$dir/data/PG_VERSION" ]]; then
      say "initdb $dir/data"
      as_pg "$PGBIN/initdb" -D "$dir/data" -U ferry --auth=trust -E UTF8 --locale=C.UTF-8 \
        >"$dir/initdb.log" 2>&1 || { cat "$dir/initdb.log" >&2; die "initdb failed"; }
    fi
    say "starting postgres on $PG_PORT"
    as_pg "$PGBIN/pg_ctl" -D "$dir/data" -l "$dir/log" -w -t 60 \
      -o "-p $PG_PORT -k $dir -c listen_addresses=127.0.0.1 -c fsync=off" start >/dev/null ||
      { tail -n 20 "$dir/log" >&2 || true; die "postgres did not start (log: $dir/log)"; }
    wait_for postgres 30 pg_ready
  fi
  # The shared database the env file points at (tests make their own too).
  local have
  have=$(psql -X -q -t -A -h 127.0.0.1 -p "$PG_PORT" -U ferry -d postgres \
    -c "SELECT 1 FROM pg_database WHERE datname = '$PG_DB'") ||
    die "cannot query postgres on $PG_PORT as user ferry"
  if [[ "$have" != "1" ]]; then
    psql -X -q -h 127.0.0.1 -p "$PG_PORT" -U ferry -d postgres -c "CREATE DATABASE $PG_DB" >/dev/null ||
      die "cannot create database $PG_DB"
  fi
}

stop_pg() {
  PGBIN=$(pg_bindir)
  if [[ -f "$S/pg/data/postmaster.pid" ]]; then
    say "stopping postgres"
    as_pg "$PGBIN/pg_ctl" -D "$S/pg/data" -m fast -w stop >/dev/null || say "pg_ctl stop failed"
  fi
}

# MariaDB: mariadbd refuses to run as root, so it runs as `mysql` when we are.
as_my() {
  if [[ $(id -u) -eq 0 ]]; then
    runuser -u mysql -- "$@"
  else
    "$@"
  fi
}

my_ready() { mariadb-admin --no-defaults -h 127.0.0.1 -P "$MY_PORT" -u root ping >/dev/null 2>&1; }
my_root() { mariadb --no-defaults -h 127.0.0.1 -P "$MY_PORT" -u root "$@"; }

start_my() {
  command -v mariadbd >/dev/null || die "mariadbd not found: run scripts/install-deps.sh"
  local dir="$S/my"
  if [[ $(id -u) -eq 0 ]]; then
    id mysql >/dev/null 2>&1 || die "user mysql missing (install the mariadb-server package)"
    install -d -o mysql -g mysql "$dir"
  else
    install -d "$dir"
  fi
  if my_ready; then
    say "mariadb already answering on $MY_PORT"
  else
    port_open "$MY_PORT" && die "port $MY_PORT is taken by something that is not mariadb"
    if [[ ! -d "$dir/data/mysql" ]]; then
      say "mariadb-install-db $dir/data"
      as_my mariadb-install-db --no-defaults --datadir="$dir/data" \
        --auth-root-authentication-method=normal --skip-test-db >"$dir/install.log" 2>&1 ||
        { cat "$dir/install.log" >&2; die "mariadb-install-db failed"; }
    fi
    say "starting mariadb on $MY_PORT"
    # innodb_flush_log_at_trx_commit=2 and no doublewrite: like fsync=off for
    # PostgreSQL above, a test server trades crash durability for speed.
    as_my setsid nohup mariadbd --no-defaults --datadir="$dir/data" --port="$MY_PORT" \
      --bind-address=127.0.0.1 --socket="$dir/sock" --pid-file="$dir/pid" --log-error="$dir/err" \
      --innodb-flush-log-at-trx-commit=2 --innodb-doublewrite=0 --skip-name-resolve \
      --max-connections=500 --character-set-server=utf8mb4 \
      --collation-server=utf8mb4_unicode_ci >/dev/null 2>&1 </dev/null &
    wait_for mariadb 60 my_ready
  fi
  # Idempotent: IF NOT EXISTS everywhere. The ferry user may create and drop
  # databases of its own (tests use scratch databases named ferry_t_*).
  # utf8mb4 with a case-insensitive collation, as MySQL 8 and MariaDB 11
  # default to: tests see the server most users run.
  my_root -e "CREATE DATABASE IF NOT EXISTS ferry CHARACTER SET utf8mb4;
    CREATE USER IF NOT EXISTS 'ferry'@'127.0.0.1' IDENTIFIED BY 'ferry';
    GRANT ALL ON *.* TO 'ferry'@'127.0.0.1';" ||
    die "cannot create the ferry database and user on mariadb $MY_PORT"
}

stop_my() {
  if [[ -f "$S/my/pid" ]]; then
    local pid
    pid=$(cat "$S/my/pid")
    if kill -0 "$pid" 2>/dev/null; then
      say "stopping mariadb"
      kill "$pid" || true
      local i
      for ((i = 0; i < 300; i++)); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    fi
  fi
}

redis_ready() { [[ "$(redis-cli -h 127.0.0.1 -p "$REDIS_PORT" ping 2>/dev/null)" == "PONG" ]]; }

start_redis() {
  command -v redis-server >/dev/null || die "redis-server not found: run scripts/install-deps.sh"
  if redis_ready; then
    say "redis already answering on $REDIS_PORT"
    return
  fi
  port_open "$REDIS_PORT" && die "port $REDIS_PORT is taken by something that is not redis"
  say "starting redis on $REDIS_PORT"
  redis-server --port "$REDIS_PORT" --bind 127.0.0.1 --save '' --appendonly no --daemonize yes \
    --pidfile "$S/redis.pid" --dir "$S" --logfile "$S/redis.log" ||
    die "redis-server did not start (log: $S/redis.log)"
  wait_for redis 20 redis_ready
}

stop_redis() {
  if redis_ready; then
    say "stopping redis"
    redis-cli -h 127.0.0.1 -p "$REDIS_PORT" shutdown nosave >/dev/null 2>&1 || true
    local i
    for ((i = 0; i < 50; i++)); do port_open "$REDIS_PORT" || break; sleep 0.1; done
  fi
  rm -f "$S/redis.pid"
}

s3_ready() { curl -s -o /dev/null --max-time 2 "http://127.0.0.1:$S3_PORT/"; }

start_s3() {
  command -v node >/dev/null || die "node not found: run scripts/install-deps.sh"
  if s3_ready; then
    say "s3rver already answering on $S3_PORT"
    return
  fi
  local bin="$S/s3/node_modules/s3rver/bin/s3rver.js"
  mkdir -p "$S/s3/data"
  if [[ ! -f "$bin" ]]; then
    command -v npm >/dev/null || die "npm not found: run scripts/install-deps.sh"
    say "installing s3rver@$S3RVER_VERSION into $S/s3"
    (cd "$S/s3" && npm install --no-save --no-audit --no-fund "s3rver@$S3RVER_VERSION" \
      >"$S/s3/npm.log" 2>&1) || { tail -n 20 "$S/s3/npm.log" >&2; die "npm install s3rver failed"; }
  fi
  say "starting s3rver on $S3_PORT"
  # setsid + nohup: the server outlives this script and its terminal.
  # s3rver 3.7.1 encrypts continuation tokens with DES, which Node 17+ refuses
  # without the legacy provider: multi-page listings would fail with 500.
  setsid nohup node --openssl-legacy-provider "$bin" -d "$S/s3/data" -a 127.0.0.1 -p "$S3_PORT" --silent \
    --configure-bucket "$S3_BUCKET" >"$S/s3/log" 2>&1 </dev/null &
  echo $! >"$S/s3.pid"
  wait_for s3rver 30 s3_ready
}

stop_s3() {
  if [[ -f "$S/s3.pid" ]]; then
    local pid
    pid=$(cat "$S/s3.pid")
    if kill -0 "$pid" 2>/dev/null; then
      say "stopping s3rver"
      kill "$pid" || true
      local i
      for ((i = 0; i < 50; i++)); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    fi
    rm -f "$S/s3.pid"
  fi
}

write_env() {
  cat >"$S/env.tmp" <<EOF
# Written by scripts/test-servers.sh start; source it before running tests.
export FERRY_TEST_PG_URL=postgres://ferry@127.0.0.1:$PG_PORT/$PG_DB
export FERRY_TEST_MYSQL_URL=mysql://ferry:ferry@127.0.0.1:$MY_PORT/ferry
export FERRY_TEST_REDIS_ADDR=127.0.0.1:$REDIS_PORT
export FERRY_TEST_S3_ENDPOINT=http://127.0.0.1:$S3_PORT
export FERRY_TEST_S3_BUCKET=$S3_BUCKET
EOF
  mv "$S/env.tmp" "$S/env"
}

status() {
  PGBIN=$(pg_bindir)
  local rc=0
  if pg_ready; then say "postgres up on $PG_PORT"; else say "postgres down"; rc=1; fi
  if my_ready; then say "mariadb up on $MY_PORT"; else say "mariadb down"; rc=1; fi
  if redis_ready; then say "redis up on $REDIS_PORT"; else say "redis down"; rc=1; fi
  if s3_ready; then say "s3rver up on $S3_PORT"; else say "s3rver down"; rc=1; fi
  return $rc
}

case "${1:-}" in
  start)
    mkdir -p "$S"
    chmod 755 "$S"
    start_pg
    start_my
    start_redis
    start_s3
    write_env
    say "ready: source $S/env"
    ;;
  stop)
    stop_s3
    stop_redis
    stop_pg
    stop_my
    rm -f "$S/env"
    ;;
  status)
    status
    ;;
  *)
    echo "usage: $0 start|stop|status" >&2
    exit 2
    ;;
esac
