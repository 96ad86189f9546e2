#!/usr/bin/env bash
# Signaling figures of issue 4, in one run on loopback, each server in its own process:
#   - fan-out: rooms of 100 sockets each sending one chat per second, through the signaling server and through a
#     bare Kestrel WebSocket broadcast of the same bytes (same run, same generator)
#   - join: connect → room-info p50/p99 with 100 in the room
#   - idle joined sockets: server memory per connection
# Usage: bench/WeCompany.Bench.Signaling/run.sh [rooms=1,2,4] [seconds=6] [idle=2000] [hold=75]
#   idle=N needs N+ descriptors in the server and in the generator: the limit is raised here when allowed
#   (this sandbox caps every process at 20,000 and withholds CAP_SYS_RESOURCE, so 19,500 is its largest run)
set -euo pipefail
cd "$(dirname "$0")/../.."
ulimit -n 65536 2>/dev/null || ulimit -n "$(ulimit -Hn)" 2>/dev/null || true
dotnet build -c Release bench/WeCompany.Bench.Signaling/WeCompany.Bench.Signaling.csproj -v q -nologo -clp:ErrorsOnly
dotnet bench/WeCompany.Bench.Signaling/bin/Release/net10.0/WeCompany.Bench.Signaling.dll run "$@"
