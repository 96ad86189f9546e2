#!/usr/bin/env bash
# Cluster figures of issue 9: signaling fan-out through nginx (deploy/nginx/wecompany.conf, TLS) in front of
# 1, 2 and 3 server processes on one PostgreSQL, with the signaling bench's load generator (gateway mode): rooms
# of `size` sockets, each sending one chat per second, in rising steps of rooms until the delivered rate stops
# following the offered one (< 95 %) or the p99 passes `p99` ms, `past` steps in a row (p99=2000 is the
# histogram's ceiling: a throttled node's latency is reported, not a reason to stop). The scaling factor is the
# most delivered msg/s with n nodes against one node. docs/benchmarks.md "Cluster (#9)" says what it measures.
#
# node_cpu=Q gives every node a CPU budget of Q cores (a cgroup v1 CFS quota, bench/lib/cgroup.sh; needs root),
# so that a node, not the 2-core machine, is what saturates; big_node=1 adds a run of one node with the budget
# of the largest count together (is n nodes × Q the same as one node with n × Q?). node_cpu=0 is the uncapped
# run of before: on 2 shared cores one node then delivers all that is offered and a second node has no core to use.
# CPU used by every node, nginx, PostgreSQL and the generator is reported per step either way (cpuacct).
#
# Usage: bench/cluster/run.sh [nodes=1,2,3] [node_cpu=0.2] [big_node=1] [nginx_cpu=0] [rooms=2,4,6,...]
#          [size=50, 100 uncapped] [seconds=6] [p99=2000] [past=2] [warmup_rooms=2] [warmup_seconds=6] [rejoin_rounds=5]
#   uncapped, as the first runs: bench/cluster/run.sh node_cpu=0 rooms=8 seconds=5
set -euo pipefail
cd "$(dirname "$0")/../.."
ROOT=$PWD
args=("$@")
opt() { local key=$1 default=$2 a; for a in "${args[@]}"; do [ "${a%%=*}" = "$key" ] && { echo "${a#*=}"; return; }; done; echo "$default"; }
NODE_COUNTS=$(opt nodes 1,2,3); NODE_CPU=$(opt node_cpu 0.2); NGINX_CPU=$(opt nginx_cpu 0)
SECONDS_PER_RUN=$(opt seconds 6); P99_BOUND=$(opt p99 2000); PAST=$(opt past 2)
WARMUP_ROOMS=$(opt warmup_rooms 2); WARMUP_SECONDS=$(opt warmup_seconds 6)  # per node; the budget is lifted then
capped() { awk -v c="$NODE_CPU" 'BEGIN { exit !(c > 0) }'; }
# Capped: rooms of 50 (2,500 deliveries/s each) for finer steps and more rooms to spread over the nodes.
if capped; then SIZE=$(opt size 50); ROOMS=$(opt rooms 2,4,6,8,10,12,14,16,18,21,24,27,30,34,38,42,46,50); BIG_NODE=$(opt big_node 1)
else SIZE=$(opt size 100); ROOMS=$(opt rooms 6); BIG_NODE=0; fi
ulimit -n 65536 2>/dev/null || ulimit -n "$(ulimit -Hn)" 2>/dev/null || true

dotnet build -c Release src/WeCompany.Server/WeCompany.Server.csproj -v q -nologo >/dev/null
dotnet build -c Release bench/WeCompany.Bench.Signaling/WeCompany.Bench.Signaling.csproj -v q -nologo >/dev/null
SERVER=$ROOT/src/WeCompany.Server/bin/Release/net10.0/WeCompanyServer.dll
GENERATOR=$ROOT/bench/WeCompany.Bench.Signaling/bin/Release/net10.0/WeCompany.Bench.Signaling.dll

# shellcheck source=../lib/postgres.sh
source bench/lib/postgres.sh
# shellcheck source=../lib/cgroup.sh
source bench/lib/cgroup.sh
# shellcheck source=../lib/gateway.sh
source bench/lib/gateway.sh
ACCOUNTING=0
if cg_available; then ACCOUNTING=1
elif capped || awk -v c="$NGINX_CPU" 'BEGIN { exit !(c > 0) }'; then echo "node_cpu/nginx_cpu need root and a writable cgroup v1 cpu hierarchy (or node_cpu=0)" >&2; exit 1; fi
WORK=$(mktemp -d /tmp/wecompany-bench-cluster-XXXX)
chmod 755 "$WORK"
pids=()
stop_all() {
  local p
  for p in "${pids[@]}"; do kill -TERM "$p" 2>/dev/null || true; done
  for p in "${pids[@]}"; do wait "$p" 2>/dev/null || true; done
  pids=()
}
cleanup() { stop_all; pg_stop; cg_cleanup; rm -rf "$WORK"; }
trap cleanup EXIT

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
group() { [ "$ACCOUNTING" = 1 ] && echo "$1" || true; }  # the group name a process runs in, none without cgroups

pg_start
if [ "$ACCOUNTING" = 1 ]; then
  cg_create postgres 0
  # The postmaster and the helpers it has started; backends forked later inherit its group.
  cg_move postgres "$PG_PID" $(pgrep -P "$PG_PID" || true)
  cg_create nginx "$NGINX_CPU"
fi
JWT_KEY=$(openssl rand -base64 48)

RUN=0
# run_with_nodes N CORES LABEL: N nodes of CORES each (0: no quota) behind nginx, then the generator's steps.
run_with_nodes() {
  local n=$1 cores=$2 label=$3 i ports=() groups=()
  RUN=$((RUN + 1))
  # A database of its own per run: the generator's user names start again at bench1.
  psql -q -h 127.0.0.1 -p "$PG_PORT" -U postgres -c "CREATE DATABASE bench$RUN" >/dev/null
  local database_url=${PG_URL/Database=postgres/Database=bench$RUN}
  for i in $(seq 1 "$n"); do
    local http; http=$(free_port); ports+=("$http")
    mkdir -p "$WORK/node$i"
    if [ "$ACCOUNTING" = 1 ]; then cg_create "node$i" "$cores"; groups+=("$(cg_name "node$i")"); fi
    WECOMPANY_Storage__Provider=postgres WECOMPANY_Storage__ConnectionString="$database_url" \
    WECOMPANY_Auth__JwtKey="$JWT_KEY" WECOMPANY_Auth__PasswordIterations=10000 WECOMPANY_Cluster__NodeId="node$i" \
    WECOMPANY_Http__Address=127.0.0.1 WECOMPANY_Http__TrustedProxies__0=127.0.0.1 WECOMPANY_Media__Enabled=false \
    WECOMPANY_Logging__LogLevel__Default=Warning \
      cg_exec "$(group "node$i")" dotnet "$SERVER" --http-port "$http" -p 0 --data-dir "$WORK/node$i" >"$WORK/node$i.log" 2>&1 &
    pids+=($!)
  done
  for i in $(seq 1 "$n"); do wait_ready "http://127.0.0.1:${ports[$((i-1))]}/readyz" "node$i"; done

  # The deployed gateway, rewritten for loopback, with an auth rate limit the bench's hundreds of registrations pass.
  local https_port http_port; https_port=$(free_port); http_port=$(free_port)
  gateway_write "$WORK" "$http_port" "$https_port" "${ports[*]}" -e 's#rate=5r/s#rate=10000r/s#'
  cg_exec "$(group nginx)" /usr/sbin/nginx -p "$WORK" -e "$WORK/nginx-error.log" -c "$WORK/nginx.conf" -g 'daemon off;' >"$WORK/nginx.log" 2>&1 &
  pids+=($!)
  wait_ready "https://127.0.0.1:$https_port/api/v1/ping" nginx

  # The nodes' budget holds while chat traffic runs; the generator gives them a core for the set-up between steps.
  local capped_groups=""; capped && capped_groups=$(IFS=,; echo "${groups[*]}")
  [ "$ACCOUNTING" = 1 ] && groups+=("$(cg_name nginx)" "$(cg_name postgres)")
  LOADS+=("$label: $(cut -d' ' -f1-3 /proc/loadavg)")
  local cpu_groups; cpu_groups=$(IFS=,; echo "${groups[*]:-}")
  dotnet "$GENERATOR" gateway "https://127.0.0.1:$https_port" rooms="$ROOMS" size="$SIZE" seconds="$SECONDS_PER_RUN" \
    p99="$P99_BOUND" past="$PAST" warmup=$((WARMUP_ROOMS * n)) warmup_seconds="$WARMUP_SECONDS" label="$label" ${cpu_groups:+cpu="$cpu_groups"} \
    ${capped_groups:+capped="$capped_groups" budget="$cores"} | tee -a "$WORK/rows" \
    || echo "| $label | the generator failed (exit $?) |" | tee -a "$WORK/rows"
  stop_all
}

caps="no CPU cap"; capped && caps="nodes capped at $NODE_CPU CPU each (CFS quota)"
echo "# Cluster fan-out bench — $(date -u '+%Y-%m-%d %H:%M') UTC, $(nproc) cores, nginx TLS gateway, $caps, rooms of $SIZE, 1 chat/s per socket, ${SECONDS_PER_RUN} s windows, bound: delivered ≥ 95 % of offered and p99 ≤ $P99_BOUND ms"
echo
echo "| nodes × CPU | rooms | rooms per node | offered msg/s | delivered msg/s | delivered/offered | p50 ms | p99 ms | in bound | sockets closed by the server | CPU cores used in the window |"
echo "|---|---|---|---|---|---|---|---|---|---|---|"
LOADS=()
labels=()
node_label() { if capped; then echo "$1 × $2"; elif [ "$1" = 1 ]; then echo "1 node"; else echo "$1 nodes"; fi; }
for n in ${NODE_COUNTS//,/ }; do
  label=$(node_label "$n" "$NODE_CPU"); labels+=("$label")
  run_with_nodes "$n" "$NODE_CPU" "$label"
done
if [ "$BIG_NODE" = 1 ]; then
  most=$(tr ',' '\n' <<<"$NODE_COUNTS" | sort -n | tail -1)
  big=$(awk -v n="$most" -v c="$NODE_CPU" 'BEGIN { printf "%.2f", n * c }')
  label=$(node_label 1 "$big"); labels+=("$label")
  run_with_nodes 1 "$big" "$label"
fi
echo
echo "load average (1, 5, 15 min) as each run started: $(IFS=';'; echo "${LOADS[*]}" | sed 's/;/ · /g')"
# Per run: the most delivered msg/s in any step (the capacity) and the most in a step that kept up; scaling is
# the capacity with n nodes over the first run's.
awk -F'|' -v order="$(IFS='|'; echo "${labels[*]}")" '
  { label = $2; gsub(/^ +| +$/, "", label); d = $6 + 0; keeps = ($10 ~ /yes/)
    if (d > most[label]) { most[label] = d; at[label] = $3 + 0 }
    if (keeps && d > kept[label]) kept[label] = d }
  END {
    n = split(order, labels, "|"); first = labels[1]
    for (i = 1; i <= n; i++) {
      l = labels[i]
      printf "%s: at most %.0f msg/s (%d rooms), %.0f msg/s in bound", l, most[l], at[l], kept[l]
      split(l, parts, " "); nodes = parts[1] + 0
      if (i > 1 && most[first] > 0 && most[l] > 0) {
        printf "; %.2fx the %s run", most[l] / most[first], first
        if (l ~ /^1 /) printf " (one node with this budget)"; else if (nodes > 1) printf ", %+.2fx per added node", (most[l] / most[first] - 1) / (nodes - 1)
      }
      printf "\n"
    }
  }' "$WORK/rows"

# Time from SIGKILL of a meetings' node to every client rejoined: its own bench on the cluster tier's fixture
# (three nodes, PostgreSQL, nginx, coturn). rejoin_rounds=0 skips it.
REJOIN_ROUNDS=$(opt rejoin_rounds 5)
if [ "$REJOIN_ROUNDS" -gt 0 ]; then
  echo
  bench/WeCompany.Bench.Rejoin/run.sh rounds="$REJOIN_ROUNDS" meetings=3 size=5 2>/dev/null | grep -E '^(#|\||all rejoined)'
fi
