#!/usr/bin/env bash
# Runs the WeCompany TCP benchmark once: baseline relay vs MEDIA_DATA relay (64 KiB), frames/s at 1 KiB, and
# memory per idle registered connection. Usage: bench/WeCompany.Bench.Tcp/run.sh [seconds-per-figure] [idle-connections]
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
# 10,000 client sockets here and 10,000 in the server process: raise the descriptor limit as far as allowed.
ulimit -n "$(ulimit -Hn)" 2>/dev/null || true
dotnet build -c Release "$here/WeCompany.Bench.Tcp.csproj" -v quiet -nologo >/dev/null
exec dotnet "$here/bin/Release/net10.0/WeCompany.Bench.Tcp.dll" "$@"
