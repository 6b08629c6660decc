#!/usr/bin/env bash
# Starts (or stops) a throwaway PostgreSQL server on loopback for the test suite, from Debian's
# postgresql package. Usage: scripts/test-postgres.sh start|stop|url
# The cluster lives in $PGTEST_DIR (default /tmp/hearth-pgtest) and listens on 127.0.0.1:$PGTEST_PORT.
set -euo pipefail
dir=${PGTEST_DIR:-/tmp/hearth-pgtest}
port=${PGTEST_PORT:-54329}
bin=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1)
url="postgres://hearth:hearth@127.0.0.1:${port}/postgres"
as_pg() { if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi; }

case "${1:-}" in
  start)
    [ -n "$bin" ] || { echo "PostgreSQL is not installed (apt-get install postgresql)" >&2; exit 1; }
    if [ ! -f "$dir/PG_VERSION" ]; then
      mkdir -p "$dir"
      [ "$(id -u)" = 0 ] && chown postgres:postgres "$dir"
      as_pg "$bin/initdb" -D "$dir" -U postgres --auth=trust -E UTF8 >/dev/null
    fi
    # Durability settings off: a test database is thrown away, and fsync dominates otherwise.
    as_pg "$bin/pg_ctl" -D "$dir" -l "$dir/server.log" -w start \
      -o "-h 127.0.0.1 -p $port -k $dir -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=300" >/dev/null
    as_pg "$bin/psql" -h 127.0.0.1 -p "$port" -U postgres -qAt -c \
      "DO \$\$ BEGIN IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'hearth') THEN CREATE ROLE hearth LOGIN SUPERUSER PASSWORD 'hearth'; END IF; END \$\$;" >/dev/null
    echo "$url"
    ;;
  stop)
    [ -f "$dir/postmaster.pid" ] && as_pg "$bin/pg_ctl" -D "$dir" -m fast -w stop >/dev/null || true
    ;;
  url)
    echo "$url"
    ;;
  *)
    echo "usage: $0 start|stop|url" >&2
    exit 2
    ;;
esac
