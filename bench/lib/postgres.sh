# Sourced by bench scripts: starts a throw-away PostgreSQL from Debian's binaries on a free loopback port.
# Sets PG_URL (Npgsql connection string) and PG_PID; pg_stop stops it by pid and removes its folder.
pg_start() {
  local bin; bin=$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -1)
  PG_DIR=$(mktemp -d /tmp/wecompany-bench-pg-XXXX)
  PG_PORT=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
  local as=()
  if [ "$(id -u)" = 0 ]; then chown -R postgres:postgres "$PG_DIR"; as=(setpriv --reuid=postgres --regid=postgres --init-groups --reset-env); fi
  "${as[@]}" "$bin/initdb" -D "$PG_DIR/data" -U postgres --auth=trust -E UTF8 --no-sync >/dev/null
  "${as[@]}" "$bin/postgres" -D "$PG_DIR/data" -p "$PG_PORT" -k "$PG_DIR" -c listen_addresses=127.0.0.1 \
    -c max_connections=300 -c shared_buffers=256MB -c synchronous_commit=off >"$PG_DIR/log" 2>&1 &
  PG_PID=$!
  until "$bin/pg_isready" -q -h 127.0.0.1 -p "$PG_PORT"; do sleep 0.1; done
  PG_URL="Host=127.0.0.1;Port=$PG_PORT;Username=postgres;Database=postgres;Maximum Pool Size=100"
}
pg_stop() { [ -n "${PG_PID:-}" ] && kill -INT "$PG_PID" 2>/dev/null && wait "$PG_PID" 2>/dev/null; rm -rf "${PG_DIR:-/nonexistent}"; }
