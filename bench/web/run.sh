#!/usr/bin/env bash
# Browser client figures (issues 6 and 7): time from clicking "Join" to the first remote frame, p50 and p99 over
# 20 joins (WECOMPANY_BENCH_JOINS), through the SFU and, as the same-run baseline, mesh (WECOMPANY_BENCH_MODES=sfu,mesh),
# in Debian's Chromium inside a loopback-only network namespace; and the page weight (JS+CSS, gzip).
# A measurement, not a test: it lives here so load on the machine cannot fail `make test`.
set -euo pipefail
cd "$(dirname "$0")/../.."
scripts/build-web.sh >/dev/null
dotnet build src/WeCompany.Server/WeCompany.Server.csproj -c Release --nologo -v quiet
echo "page weight (gzip -9): $(cat src/WeCompany.Server/wwwroot/assets/*.js src/WeCompany.Server/wwwroot/assets/*.css | gzip -9 | wc -c) bytes JS+CSS"
if [ "$(id -u)" = 0 ]; then isolate=(unshare -n); else isolate=(unshare -r -n); fi
exec "${isolate[@]}" bash -c 'ip link set lo up && cd web && exec node --test --test-reporter=spec bench/join-latency.test.mjs'
