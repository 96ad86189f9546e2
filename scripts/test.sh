#!/usr/bin/env bash
# Runs every test tier. Each tier is one test project; see ARCHITECTURE.md for what each proves.
set -euo pipefail
cd "$(dirname "$0")/.."
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1

make --no-print-directory web
dotnet build WeCompany.slnx -c Release --nologo -v quiet --no-restore

status=0
echo "== web (vitest)"
(cd web && npm test --silent) || status=1
# The cluster tier (three server processes, nginx, coturn, PostgreSQL) runs last, after the server tier.
projects=()
for project in tests/*/*.Tests.csproj; do
  [ "$(basename "$project")" = WeCompany.Cluster.Tests.csproj ] || projects+=("$project")
done
projects+=(tests/WeCompany.Cluster.Tests/WeCompany.Cluster.Tests.csproj)
for project in "${projects[@]}"; do
  echo "== $(basename "$project" .csproj)"
  if [ "$(basename "$project")" = WeCompany.Browser.Tests.csproj ]; then
    # Real browsers must run in a loopback-only network namespace: the script makes one.
    CONFIGURATION=Release scripts/test-browser.sh --logger "console;verbosity=normal" --blame-hang-timeout 5m || status=1
    continue
  fi
  dotnet test "$project" -c Release --no-build --nologo \
    --logger "console;verbosity=normal" --blame-hang-timeout 5m || status=1
done
echo "== browser end-to-end (Chromium, loopback-only network namespace)"
scripts/test-web-e2e.sh || status=1
exit $status
