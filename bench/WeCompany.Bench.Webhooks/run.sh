#!/usr/bin/env bash
# Webhook figures of issue 17, in one run on loopback (server, delivery worker, receiver and load in one process):
#   - delivery latency (receiver's arrival − the event's created_at) of meeting.updated events from paced
#     PUT /api/v1/meetings/{id} at 500 and 200 events/s, beside the same JSON POSTed straight to the receiver;
#   - REST write throughput (closed loop, 32 clients) with no endpoint (A) against one enabled endpoint for all
#     events (B), A B alternating over 3 rounds, each B round drained before the next.
# SQLite by default; `run.sh postgres`: a throw-away PostgreSQL (bench/lib/postgres.sh) is the server's store.
# WORK_DIR=/dev/shm puts the SQLite file in memory (no fsync). Environment: RATES=500,200 SECONDS=20 BASELINE_SECONDS=5 MEETINGS=128 ROUNDS=3 ROUND_SECONDS=8 CLIENTS=32 DRAIN_SECONDS=90.
set -euo pipefail
cd "$(dirname "$0")/../.."
dotnet build bench/WeCompany.Bench.Webhooks/WeCompany.Bench.Webhooks.csproj -c Release -nologo -v quiet >/dev/null
dll=bench/WeCompany.Bench.Webhooks/bin/Release/net10.0/WeCompany.Bench.Webhooks.dll
if [ "${1:-}" = postgres ]; then
  shift
  . bench/lib/postgres.sh
  pg_start
  trap pg_stop EXIT
  export PG_URL PG_PID
  echo "PostgreSQL on port $PG_PORT; load average: $(cut -d' ' -f1-3 /proc/loadavg)"
  dotnet "$dll" "$@"
  echo "load average: $(cut -d' ' -f1-3 /proc/loadavg)"
else
  exec dotnet "$dll" "$@"
fi
