#!/usr/bin/env bash
# Cross-node TCP text delivery latency against same-node delivery, in one run: two cluster nodes (in one process)
# on a throw-away PostgreSQL. Usage: bench/WeCompany.Bench.Cluster/run.sh [messages-per-path=2000]
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
. "$here/../lib/postgres.sh"
trap pg_stop EXIT
pg_start
dotnet build -c Release "$here/WeCompany.Bench.Cluster.csproj" -v quiet -nologo >/dev/null
dotnet "$here/bin/Release/net10.0/WeCompany.Bench.Cluster.dll" "$PG_URL" "$@"
