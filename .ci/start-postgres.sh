#!/usr/bin/env bash
# Start a throw-away PostgreSQL on 127.0.0.1 for the storage tests; print the SQLAlchemy URL.
# Usage: eval "$(.ci/start-postgres.sh)"   (sets KOMPILOT_TEST_POSTGRES_URL and PGDATA_KOMPILOT)
set -euo pipefail
PORT="${KOMPILOT_PG_PORT:-54329}"
if ! ls -d /usr/lib/postgresql/*/bin >/dev/null 2>&1; then
  apt-get update -qq >&2
  apt-get install -y -qq postgresql >&2
fi
PGBIN=$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -n 1)
id postgres >/dev/null 2>&1 || useradd --system --home /var/lib/postgresql postgres
DATA=$(mktemp -d /tmp/kompilot-pg.XXXXXX)
chown postgres "$DATA"
runuser -u postgres -- "$PGBIN/initdb" -D "$DATA" -A trust -U postgres --encoding=UTF8 --locale=C.UTF-8 >&2
runuser -u postgres -- "$PGBIN/pg_ctl" -D "$DATA" -l "$DATA/server.log" -w \
  -o "-p $PORT -k /tmp -c listen_addresses=127.0.0.1 -c fsync=off" start >&2
runuser -u postgres -- "$PGBIN/createdb" -h 127.0.0.1 -p "$PORT" -U postgres kompilot_test >&2
echo "export KOMPILOT_TEST_POSTGRES_URL=postgresql+psycopg://postgres@127.0.0.1:$PORT/kompilot_test"
echo "export PGDATA_KOMPILOT=$DATA"
echo "trap 'runuser -u postgres -- $PGBIN/pg_ctl -D $DATA -m fast stop >/dev/null 2>&1 || true' EXIT"
