#!/usr/bin/env bash
# Real-browser tests of the SFU: headless Debian Chromium through Playwright (no browser download), run inside a
# network namespace that has only loopback, as facts.md explains (Chromium would otherwise send its checks from
# the host's interface address). Builds first (the namespace has no route to the registries), then runs the
# test binary inside `unshare -n` (loopback gets 127.0.0.2 too: aiortc never offers 127.0.0.1). Needs root (or CAP_SYS_ADMIN) and /usr/bin/chromium.
set -euo pipefail
cd "$(dirname "$0")/.."
command -v chromium >/dev/null || { echo "test-browser: chromium is missing (apt-get install -y chromium)" >&2; exit 1; }
configuration="${CONFIGURATION:-Debug}"
dotnet build tests/WeCompany.Browser.Tests/WeCompany.Browser.Tests.csproj -c "$configuration" -v q -nologo
export PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1 WECOMPANY_LOOPBACK_NAMESPACE=1
exec unshare -n -- bash -c 'ip link set lo up && ip addr add 127.0.0.2/8 dev lo && exec dotnet test tests/WeCompany.Browser.Tests/WeCompany.Browser.Tests.csproj -c "$0" --no-build "$@"' "$configuration" "$@"
