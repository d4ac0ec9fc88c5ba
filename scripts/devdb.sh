#!/usr/bin/env bash
# Starts (or reuses) the project-private PostgreSQL cluster used when DATABASE_URL is unset.
#
#   scripts/devdb.sh url [dbname]   start if needed, create dbname (default: campus), print its URL
#   scripts/devdb.sh bin            print the folder of the PostgreSQL binaries it uses (pg_dump of the same version)
#   scripts/devdb.sh stop           stop the cluster
#   scripts/devdb.sh status         say whether it runs
#
# The cluster listens on a unix socket inside its own folder only (no TCP port), so it never collides with a
# system server or with another checkout. It lives in .data/pg of the checkout, or, when the checkout sits
# where the unprivileged account cannot reach (root's CI clones), under the system temp folder in a folder
# named after the checkout. initdb refuses to run as root: as root the cluster runs as the `postgres` account.
set -euo pipefail

here=$(cd "$(dirname "$0")/.." && pwd)
cmd=${1:-url}
dbname=${2:-campus}

log() { echo "devdb: $*" >&2; }

find_bin() {
  if command -v pg_ctl >/dev/null 2>&1 && command -v initdb >/dev/null 2>&1; then
    dirname "$(command -v initdb)"; return 0
  fi
  local d
  for d in $(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V -r); do
    [ -x "$d/initdb" ] && [ -x "$d/pg_ctl" ] && { echo "$d"; return 0; }
  done
  return 1
}

bin=$(find_bin || true)
if [ -z "$bin" ]; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
    log "PostgreSQL server binaries not found: installing Debian's postgresql package"
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq >&2 && apt-get install -y -qq postgresql >&2
    bin=$(find_bin || true)
  fi
  if [ -z "$bin" ]; then
    log "PostgreSQL server binaries (initdb, pg_ctl) not found."
    log "Install them (Debian/Ubuntu: sudo apt-get install postgresql) or set DATABASE_URL to an existing database."
    exit 1
  fi
fi

# Who runs the server, and where its folder is.
runas=()
owner=$(id -un)
if [ "$(id -u)" = 0 ]; then
  owner=postgres
  id postgres >/dev/null 2>&1 || useradd --system --home-dir /var/lib/postgresql --shell /bin/bash postgres
  runas=(runuser -u postgres --)
fi

base="$here/.data"
if [ "$owner" = postgres ] && ! runuser -u postgres -- test -x "$here" 2>/dev/null; then
  key=$(printf '%s' "$here" | sha256sum | cut -c1-12)
  base="${TMPDIR:-/tmp}/campus-devdb-$key"
fi
data="$base/pg"
sock="$data/run"
logf="$base/postgres.log"

as_owner() { "${runas[@]}" "$@"; }

running() { [ -f "$data/postmaster.pid" ] && as_owner "$bin/pg_ctl" -D "$data" status >/dev/null 2>&1; }

start() {
  mkdir -p "$base"
  [ "$owner" = postgres ] && chown postgres "$base"
  if [ ! -f "$data/PG_VERSION" ]; then
    log "creating the cluster in $data"
    as_owner "$bin/initdb" -D "$data" -U campus --auth=trust --encoding=UTF8 --locale=C.UTF-8 >"$base/initdb.log" 2>&1 \
      || as_owner "$bin/initdb" -D "$data" -U campus --auth=trust --encoding=UTF8 --no-locale >"$base/initdb.log" 2>&1 \
      || { cat "$base/initdb.log" >&2; exit 1; }
    as_owner mkdir -p "$sock"
  fi
  if ! running; then
    as_owner "$bin/pg_ctl" -D "$data" -l "$logf" -w -t 60 \
      -o "-c listen_addresses='' -k $sock -c max_connections=200 -c fsync=off -c synchronous_commit=off -c full_page_writes=off" \
      start >&2 || { tail -n 30 "$logf" >&2; exit 1; }
  fi
}

case "$cmd" in
  url)
    start
    psql_=("$bin/psql" -X -q -h "$sock" -U campus -d postgres -v ON_ERROR_STOP=1)
    [ -x "$bin/psql" ] || psql_=(psql -X -q -h "$sock" -U campus -d postgres -v ON_ERROR_STOP=1)
    if ! "${psql_[@]}" -tAc "SELECT 1 FROM pg_database WHERE datname = '$dbname'" | grep -q 1; then
      "${psql_[@]}" -c "CREATE DATABASE \"$dbname\"" >&2
    fi
    echo "postgres://campus@/$dbname?host=$sock&sslmode=disable"
    ;;
  bin) dirname "$(readlink -f "$bin/pg_ctl")" ;;
  stop) running && as_owner "$bin/pg_ctl" -D "$data" -m fast -w stop >&2 || true ;;
  status) if running; then echo "running: $data"; else echo "stopped: $data"; fi ;;
  *) echo "usage: $0 url [dbname] | bin | stop | status" >&2; exit 2 ;;
esac
