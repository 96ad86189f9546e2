#!/usr/bin/env bash
# A throw-away three-node cluster on this machine, to try what docs/operations.md installs on three hosts:
# PostgreSQL, coturn and nginx (deploy/nginx/wecompany.conf with a self-signed certificate) from Debian's
# packages, and three server processes, all on loopback. Ctrl-C stops everything and deletes its data.
#
#   make cluster                       # or: scripts/cluster-local.sh
#   NODES=2 GATEWAY_PORT=9443 scripts/cluster-local.sh
#   WECOMPANY_CLUSTER_NO_BUILD=1 …   # use the server already built (the browser tests run it with no network)
#
# Ports (override with the variables): the gateway on https://127.0.0.1:$GATEWAY_PORT (8443) and
# http://127.0.0.1:$GATEWAY_HTTP_PORT (8081, redirects); node i on HTTP 18080+i, TCP protocol 18880+i,
# media UDP 17880+i; coturn on 3479. Kill a node (its pid is printed) to watch its meetings move.
# Needs: postgresql, nginx, coturn (scripts/test-deps.sh installs them) and the .NET SDK.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
NODES=${NODES:-3}
GATEWAY_PORT=${GATEWAY_PORT:-8443}
GATEWAY_HTTP_PORT=${GATEWAY_HTTP_PORT:-8081}
TURN_PORT=${TURN_PORT:-3479}
[ "$NODES" -ge 1 ] && [ "$NODES" -le 3 ] || { echo "cluster-local: NODES must be 1, 2 or 3 (deploy/nginx/wecompany.conf names three)" >&2; exit 2; }
for tool in /usr/sbin/nginx /usr/bin/turnserver openssl; do
  command -v "$tool" >/dev/null || { echo "cluster-local: $tool is missing: run scripts/test-deps.sh (or apt-get install nginx coturn)" >&2; exit 1; }
done
ls -d /usr/lib/postgresql/*/bin >/dev/null 2>&1 || { echo "cluster-local: PostgreSQL is missing: apt-get install postgresql" >&2; exit 1; }

if [ "${WECOMPANY_CLUSTER_NO_BUILD:-0}" != 1 ]; then
  make --no-print-directory web
  dotnet build src/WeCompany.Server/WeCompany.Server.csproj -c Release -v quiet -nologo
fi
SERVER=$ROOT/src/WeCompany.Server/bin/Release/net10.0/WeCompanyServer.dll

# shellcheck source=../bench/lib/postgres.sh
source bench/lib/postgres.sh
# shellcheck source=../bench/lib/gateway.sh
source bench/lib/gateway.sh
WORK=$(mktemp -d /tmp/wecompany-cluster-XXXX)
chmod 755 "$WORK"
pids=()
cleanup() {
  local p
  echo; echo "stopping the cluster…"
  for p in "${pids[@]}"; do kill -TERM "$p" 2>/dev/null || true; done
  for p in "${pids[@]}"; do wait "$p" 2>/dev/null || true; done
  pg_stop || true
  rm -rf "$WORK"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

pg_start
psql -q -h 127.0.0.1 -p "$PG_PORT" -U postgres -c "CREATE DATABASE wecompany" >/dev/null
DATABASE=${PG_URL/Database=postgres/Database=wecompany}

TURN_SECRET=$(openssl rand -hex 32)
/usr/bin/turnserver -n --listening-ip=127.0.0.1 --listening-port="$TURN_PORT" --relay-ip=127.0.0.1 --use-auth-secret \
  --static-auth-secret="$TURN_SECRET" --realm=wecompany --fingerprint --no-cli --no-tls --no-dtls --allow-loopback-peers \
  --userdb="$WORK/turndb" --log-file=stdout --simple-log >"$WORK/coturn.log" 2>&1 &
pids+=($!)

JWT_KEY=$(openssl rand -base64 48)
for i in $(seq 1 "$NODES"); do
  mkdir -p "$WORK/node$i"
  WECOMPANY_Storage__Provider=postgres WECOMPANY_Storage__ConnectionString="$DATABASE" \
  WECOMPANY_Auth__JwtKey="$JWT_KEY" WECOMPANY_Cluster__NodeId="node$i" WECOMPANY_Cluster__DrainTimeoutSeconds=10 \
  WECOMPANY_Http__Address=127.0.0.1 WECOMPANY_Http__TrustedProxies__0=127.0.0.1 \
  WECOMPANY_Http__PublicUrl="https://127.0.0.1:$GATEWAY_PORT" \
  WECOMPANY_Media__BindAddress=127.0.0.1 WECOMPANY_Media__PublicAddresses__0=127.0.0.1 \
  WECOMPANY_Turn__Urls__0="turn:127.0.0.1:$TURN_PORT?transport=udp" WECOMPANY_Turn__Secret="$TURN_SECRET" \
  WECOMPANY_Logging__LogLevel__Default=Warning WECOMPANY_Logging__LogLevel__WeCompany=Information \
    dotnet "$SERVER" --http-port $((18080 + i)) -p $((18880 + i)) --media-port $((17880 + i)) --data-dir "$WORK/node$i" \
    >"$WORK/node$i.log" 2>&1 &
  pids+=($!)
  node_pids[i]=$!
  # The first node applies the migrations; the others start once it is ready.
  [ "$i" = 1 ] && wait_ready "http://127.0.0.1:18081/readyz" node1 "$WORK/node1.log"
done
for i in $(seq 2 "$NODES"); do wait_ready "http://127.0.0.1:$((18080 + i))/readyz" "node$i" "$WORK/node$i.log"; done

# The deployed gateway, rewritten for loopback; its HTTP → HTTPS redirect keeps the gateway's port.
node_ports=""
for i in $(seq 1 "$NODES"); do node_ports+="$((18080 + i)) "; done
gateway_write "$WORK" "$GATEWAY_HTTP_PORT" "$GATEWAY_PORT" "$node_ports" \
  -e "s#https://\$host\$request_uri#https://\$host:$GATEWAY_PORT\$request_uri#"
/usr/sbin/nginx -p "$WORK" -e "$WORK/nginx-error.log" -c "$WORK/nginx.conf" -g 'daemon off;' >"$WORK/nginx.log" 2>&1 &
pids+=($!)
wait_ready "https://127.0.0.1:$GATEWAY_PORT/api/v1/ping" nginx "$WORK/nginx-error.log"

echo
echo "WeCompany cluster of $NODES nodes is running: open https://127.0.0.1:$GATEWAY_PORT/ (self-signed certificate)"
for i in $(seq 1 "$NODES"); do
  echo "  node$i: pid ${node_pids[i]}, http://127.0.0.1:$((18080 + i))/ (direct), TCP protocol on $((18880 + i)), media UDP $((17880 + i))"
done
echo "  PostgreSQL: $DATABASE"
echo "  coturn: turn:127.0.0.1:$TURN_PORT; logs in $WORK"
echo "  kill -9 <pid> removes a node (its meetings move); Ctrl-C stops everything and deletes its data."
wait "${pids[@]}"
