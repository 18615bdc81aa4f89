#!/usr/bin/env bash
# A throwaway PostgreSQL server for the tests (Debian's packages; installed if missing, as root).
#
#   scripts/test-services.sh run CMD...   start a server, export LUTEA_TEST_POSTGRES_URL, run CMD, stop
#   scripts/test-services.sh start        start a server; print LUTEA_TEST_POSTGRES_URL=... and
#                                         LUTEA_TEST_POSTGRES_DIR=... (pass the dir to `stop`)
#   scripts/test-services.sh stop DIR     stop that server and delete its files
#
# The cluster lives in a fresh temporary directory owned by the postgres user, listens on
# 127.0.0.1 only, on a free port, with trust authentication (it holds nothing but test data).
set -euo pipefail

log() { echo "test-services: $*" >&2; }

pg_bindir() {
  local dir
  dir=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1 || true)
  if [[ -n "$dir" && -x "$dir/initdb" ]]; then echo "$dir"; return 0; fi
  return 1
}

install_postgres() {
  if pg_bindir >/dev/null; then return 0; fi
  if [[ $(id -u) -ne 0 ]]; then
    log "PostgreSQL is not installed and this is not root: run 'apt-get install -y postgresql' as root"
    exit 1
  fi
  log "installing PostgreSQL from Debian's packages"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq >&2
  apt-get install -y -qq postgresql >&2
  pg_bindir >/dev/null || { log "PostgreSQL installed but no initdb found"; exit 1; }
}

free_port() {
  python3 - <<'PY'
import socket
with socket.socket() as s:
    s.bind(("127.0.0.1", 0))
    print(s.getsockname()[1])
PY
}

# Run a PostgreSQL program as the cluster's owner (postgres refuses to run as root).
as_owner() {
  if [[ $(id -u) -eq 0 ]]; then
    runuser -u postgres -- "$@"
  else
    "$@"
  fi
}

start() {
  install_postgres
  local bindir dir port
  bindir=$(pg_bindir)
  dir=$(mktemp -d /tmp/lutea-pg.XXXXXX)
  chmod 755 "$dir"
  if [[ $(id -u) -eq 0 ]]; then chown postgres: "$dir"; fi
  port=$(free_port)
  as_owner "$bindir/initdb" -D "$dir/data" -U postgres --auth=trust --encoding=UTF8 --no-locale >"$dir/initdb.log" 2>&1 \
    || { cat "$dir/initdb.log" >&2; exit 1; }
  as_owner "$bindir/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w -t 60 start \
    -o "-c listen_addresses=127.0.0.1 -p $port -k $dir -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=200" \
    >&2 || { cat "$dir/server.log" >&2; exit 1; }
  as_owner "$bindir/createdb" -h 127.0.0.1 -p "$port" -U postgres lutea_test
  echo "LUTEA_TEST_POSTGRES_URL=postgresql+psycopg://postgres@127.0.0.1:$port/lutea_test"
  echo "LUTEA_TEST_POSTGRES_DIR=$dir"
}

stop() {
  local dir=${1:?usage: test-services.sh stop DIR}
  local bindir
  bindir=$(pg_bindir)
  if [[ -d "$dir/data" ]]; then
    as_owner "$bindir/pg_ctl" -D "$dir/data" -m immediate -w stop >/dev/null 2>&1 || true
  fi
  case "$dir" in /tmp/lutea-pg.*) rm -rf "$dir" ;; esac
}

PG_DIR=""

run() {
  local out url status
  out=$(start)
  url=$(sed -n 's/^LUTEA_TEST_POSTGRES_URL=//p' <<<"$out")
  PG_DIR=$(sed -n 's/^LUTEA_TEST_POSTGRES_DIR=//p' <<<"$out")
  trap 'stop "$PG_DIR"' EXIT
  trap 'exit 130' INT TERM
  log "PostgreSQL at ${url}"
  export LUTEA_TEST_POSTGRES_URL="$url"
  set +e
  "$@"
  status=$?
  set -e
  return $status
}

case "${1:-}" in
  start) start ;;
  stop) shift; stop "$@" ;;
  run) shift; run "$@" ;;
  *) echo "usage: $0 run CMD... | start | stop DIR" >&2; exit 2 ;;
esac
