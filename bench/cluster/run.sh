#!/usr/bin/env bash
# Cluster figures of issue 9: signaling fan-out through nginx (deploy/nginx/wecompany.conf, TLS) in front of
# 1, 2 and 3 server processes on one PostgreSQL, with the signaling bench's load generator: rooms of `size`
# sockets, each sending one chat per second; the scaling factor is delivered msg/s against one node.
# Usage: bench/cluster/run.sh [rooms=6] [size=100] [seconds=6] [rejoin_rounds=5]
set -euo pipefail
cd "$(dirname "$0")/../.."
ROOT=$PWD
args=("$@")
opt() { local key=$1 default=$2 a; for a in "${args[@]}"; do [ "${a%%=*}" = "$key" ] && { echo "${a#*=}"; return; }; done; echo "$default"; }
ROOMS=$(opt rooms 6); SIZE=$(opt size 100); SECONDS_PER_RUN=$(opt seconds 6)

dotnet build -c Release src/WeCompany.Server/WeCompany.Server.csproj -v q -nologo >/dev/null
dotnet build -c Release bench/WeCompany.Bench.Signaling/WeCompany.Bench.Signaling.csproj -v q -nologo >/dev/null
SERVER=$ROOT/src/WeCompany.Server/bin/Release/net10.0/WeCompanyServer.dll
GENERATOR=$ROOT/bench/WeCompany.Bench.Signaling/bin/Release/net10.0/WeCompany.Bench.Signaling.dll

# shellcheck source=../lib/postgres.sh
source bench/lib/postgres.sh
WORK=$(mktemp -d /tmp/wecompany-bench-cluster-XXXX)
chmod 755 "$WORK"
pids=()
stop_all() {
  local p
  for p in "${pids[@]}"; do kill -TERM "$p" 2>/dev/null || true; done
  for p in "${pids[@]}"; do wait "$p" 2>/dev/null || true; done
  pids=()
}
cleanup() { stop_all; pg_stop; rm -rf "$WORK"; }
trap cleanup EXIT

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
wait_ready() {  # url, what: polls for at most 90 s
  local i
  for i in $(seq 1 900); do curl -fsk -o /dev/null "$1" && return 0; sleep 0.1; done
  echo "$2 did not become ready" >&2; return 1
}

pg_start
JWT_KEY=$(openssl rand -base64 48)
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -keyout "$WORK/gateway.key" \
  -out "$WORK/gateway.crt" -days 2 -subj /CN=localhost -addext subjectAltName=IP:127.0.0.1 2>/dev/null

run_with_nodes() {
  local n=$1 i ports=() conf=$WORK/wecompany-$n.conf
  # A database of its own per run: the generator's user names start again at bench1.
  psql -q -h 127.0.0.1 -p "$PG_PORT" -U postgres -c "CREATE DATABASE bench$n" >/dev/null
  local database_url=${PG_URL/Database=postgres/Database=bench$n}
  for i in $(seq 1 "$n"); do
    local http; http=$(free_port); ports+=("$http")
    mkdir -p "$WORK/node$i"
    WECOMPANY_Storage__Provider=postgres WECOMPANY_Storage__ConnectionString="$database_url" \
    WECOMPANY_Auth__JwtKey="$JWT_KEY" WECOMPANY_Auth__PasswordIterations=10000 WECOMPANY_Cluster__NodeId="node$i" \
    WECOMPANY_Http__Address=127.0.0.1 WECOMPANY_Http__TrustedProxies__0=127.0.0.1 WECOMPANY_Media__Enabled=false \
    WECOMPANY_Logging__LogLevel__Default=Warning \
      dotnet "$SERVER" --http-port "$http" -p 0 --data-dir "$WORK/node$i" >"$WORK/node$i.log" 2>&1 &
    pids+=($!)
  done
  for i in $(seq 1 "$n"); do wait_ready "http://127.0.0.1:${ports[$((i-1))]}/readyz" "node$i"; done

  # The deployed gateway, rewritten for loopback: node addresses (absent nodes removed), ports, certificate,
  # logs, and an auth rate limit the bench's hundreds of registrations pass.
  local https_port http_port; https_port=$(free_port); http_port=$(free_port)
  local sed_args=(-e "s#listen 80;#listen 127.0.0.1:$http_port;#" -e "s#listen 443 ssl http2;#listen 127.0.0.1:$https_port ssl http2;#"
                  -e '/listen \[::\]/d' -e "s#/etc/nginx/tls/wecompany\.#$WORK/gateway.#"
                  -e "s#/var/log/nginx/#$WORK/#" -e 's#rate=5r/s#rate=10000r/s#')
  for i in 1 2 3; do
    if [ "$i" -le "$n" ]; then sed_args+=(-e "s#server node$i:8080 #server 127.0.0.1:${ports[$((i-1))]} #");
    else sed_args+=(-e "/server node$i:8080 /d"); fi
  done
  sed "${sed_args[@]}" deploy/nginx/wecompany.conf > "$conf"
  cat > "$WORK/nginx-$n.conf" <<CONF
worker_processes auto;
pid $WORK/nginx.pid;
events { worker_connections 8192; }
http {
  client_body_temp_path $WORK/tmp-body; proxy_temp_path $WORK/tmp-proxy;
  fastcgi_temp_path $WORK/tmp-fcgi; uwsgi_temp_path $WORK/tmp-uwsgi; scgi_temp_path $WORK/tmp-scgi;
  include $conf;
}
CONF
  /usr/sbin/nginx -p "$WORK" -e "$WORK/nginx-error.log" -c "$WORK/nginx-$n.conf" -g 'daemon off;' >"$WORK/nginx.log" 2>&1 &
  pids+=($!)
  wait_ready "https://127.0.0.1:$https_port/api/v1/ping" nginx

  local label="$n node"; [ "$n" -gt 1 ] && label="$n nodes"
  dotnet "$GENERATOR" gateway "https://127.0.0.1:$https_port" rooms="$ROOMS" size="$SIZE" seconds="$SECONDS_PER_RUN" label="$label"
  stop_all
}

echo "# Cluster fan-out bench — $(date -u '+%Y-%m-%d %H:%M') UTC, $(nproc) cores, nginx TLS gateway, rooms of $SIZE, 1 chat/s per socket, ${SECONDS_PER_RUN} s windows"
echo
echo "| rooms | nodes | offered msg/s | delivered msg/s | p50 ms | p99 ms | frame bytes |"
echo "|---|---|---|---|---|---|---|"
rows=()
for n in 1 2 3; do
  row=$(run_with_nodes "$n" | tail -1)
  echo "$row"; rows+=("$row")
done
echo
# Scaling: delivered msg/s with n nodes over delivered msg/s with one.
printf '%s\n' "${rows[@]}" | awk -F'|' '{ gsub(/ /, "", $5); d[NR] = $5 + 0 }
  END { for (i = 2; i <= NR; i++) if (d[1] > 0 && d[i] > 0) printf "scaling %d nodes / 1 node: %.2fx (%+.2fx per added node)\n", i, d[i] / d[1], (d[i] / d[1] - 1) / (i - 1); else printf "scaling %d nodes: a run failed (see above)\n", i }'

# Time from SIGKILL of a meetings' node to every client rejoined: its own bench on the cluster tier's fixture
# (three nodes, PostgreSQL, nginx, coturn). rejoin_rounds=0 skips it.
REJOIN_ROUNDS=$(opt rejoin_rounds 5)
if [ "$REJOIN_ROUNDS" -gt 0 ]; then
  echo
  bench/WeCompany.Bench.Rejoin/run.sh rounds="$REJOIN_ROUNDS" meetings=3 size=5 2>/dev/null | grep -E '^(#|\||all rejoined)'
fi
