#!/usr/bin/env bash
# SFU forwarding benchmark on loopback: N publishers × M subscribers through the real MediaServer, with the bare
# socket baseline in the same run. Pass --runs 1x1,10x40 --seconds 10 to choose; prints a Markdown table.
set -euo pipefail
cd "$(dirname "$0")/../.."
dotnet build -c Release bench/WeCompany.Bench.Sfu/WeCompany.Bench.Sfu.csproj -v q -nologo >/dev/null
exec dotnet bench/WeCompany.Bench.Sfu/bin/Release/net10.0/WeCompany.Bench.Sfu.dll "$@"
