#!/usr/bin/env bash
# End-to-end tests of the browser client in Debian's Chromium (playwright-core, fake camera and microphone)
# against the built server. Builds first (npm ci and dotnet build need the network), then runs the tests in
# a network namespace with only loopback: Chromium sends ICE checks from the host's own interface address,
# and there the only address is 127.0.0.1 (facts.md, "Keep WebRTC tests on loopback").
# Pages use the server's SFU (the web client's default); e2e/mesh.test.mjs proves mesh mode with two pages
# connected directly; e2e/cluster.test.mjs runs scripts/cluster-local.sh (three nodes, PostgreSQL, coturn, the
# deployed nginx with TLS) in the same namespace and kills the node hosting the pages' meeting.
#   WECOMPANY_E2E_MEDIA=mesh scripts/test-web-e2e.sh   # the meeting test's pages use mesh instead of the SFU
#   WECOMPANY_E2E_TRACE=1 scripts/test-web-e2e.sh       # SDP and ICE events on the pages' consoles, SFU at debug
# Screenshots, the server log and each page's console land in web/e2e/artifacts/.
set -euo pipefail
cd "$(dirname "$0")/.."
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1

scripts/build-web.sh
dotnet build src/WeCompany.Server/WeCompany.Server.csproj -c Release --nologo -v quiet

echo "== page weight (gzip -9): $(cat src/WeCompany.Server/wwwroot/assets/*.js src/WeCompany.Server/wwwroot/assets/*.css | gzip -9 | wc -c) bytes JS+CSS"

if [ "$(id -u)" = 0 ]; then isolate=(unshare -n); else isolate=(unshare -r -n); fi
exec "${isolate[@]}" bash -c 'ip link set lo up && cd web && exec node --test --test-concurrency=1 --test-reporter=spec e2e/'
