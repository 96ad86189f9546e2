#!/usr/bin/env bash
# Time from SIGKILL of a meeting's node to every client back in a room, on the cluster tier's fixture (three
# server processes, PostgreSQL, nginx with TLS, coturn — Debian's binaries, scripts/test-deps.sh).
# Usage: bench/WeCompany.Bench.Rejoin/run.sh [rounds=5] [meetings=3] [size=5]
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
dotnet build -c Release "$here/WeCompany.Bench.Rejoin.csproj" -v quiet -nologo >/dev/null
dotnet "$here/bin/Release/net10.0/WeCompany.Bench.Rejoin.dll" "$@"
