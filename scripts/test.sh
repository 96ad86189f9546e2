#!/usr/bin/env bash
# Runs every test tier. Each tier is one test project; see ARCHITECTURE.md for what each proves.
# Every tier's output is kept in artifacts/test-logs/; the last lines printed are a summary naming each tier's
# result and every failed test with its message, because CI keeps only the tail of what a run prints.
set -euo pipefail
cd "$(dirname "$0")/.."
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1

logs=artifacts/test-logs
rm -rf "$logs" && mkdir -p "$logs"
results=()

# run_tier NAME COMMAND...: runs one tier, shows its output and keeps it in $logs/NAME.log.
run_tier() {
  local name="$1"; shift
  echo "== $name"
  local started=$SECONDS rc=0
  "$@" 2>&1 | tee "$logs/$name.log" || rc=$?
  results+=("$(printf '%-28s %s (%ss)' "$name" "$([ $rc = 0 ] && echo passed || echo "FAILED, exit $rc")" $((SECONDS - started)))")
  return $rc
}

# The failed tests of a tier's log, each with the first lines of its message (xunit, node --test, vitest).
failures_of() {
  awk '
    /^[[:space:]]*Failed [A-Za-z_][A-Za-z0-9_.]*/ { shown = 14 }
    /^[[:space:]]*✖ / || /FAIL / || /^[[:space:]]*(×|❯) / { shown = 8 }
    /^[[:space:]]*Stack Trace:/ { shown = 0 }
    shown > 0 { print "    " $0; shown-- }
  ' "$1" | head -n 120
}

make --no-print-directory web
dotnet build WeCompany.slnx -c Release --nologo -v quiet --no-restore

status=0
run_tier web-vitest bash -c 'cd web && npm test --silent' || status=1
# The cluster tier (three server processes, nginx, coturn, PostgreSQL) runs last, after the server tier.
projects=()
for project in tests/*/*.Tests.csproj; do
  [ "$(basename "$project")" = WeCompany.Cluster.Tests.csproj ] || projects+=("$project")
done
projects+=(tests/WeCompany.Cluster.Tests/WeCompany.Cluster.Tests.csproj)
for project in "${projects[@]}"; do
  name="$(basename "$project" .csproj)"
  if [ "$name" = WeCompany.Browser.Tests ]; then
    # Real browsers must run in a loopback-only network namespace: the script makes one.
    run_tier "$name" env CONFIGURATION=Release scripts/test-browser.sh \
      --logger "console;verbosity=normal" --blame-hang-timeout 5m || status=1
    continue
  fi
  run_tier "$name" dotnet test "$project" -c Release --no-build --nologo \
    --logger "console;verbosity=normal" --blame-hang-timeout 5m || status=1
done
# Chromium, loopback-only network namespace.
run_tier browser-e2e scripts/test-web-e2e.sh || status=1

echo
echo "== summary (whole logs in $logs/)"
for line in "${results[@]}"; do echo "  $line"; done
for log in "$logs"/*.log; do
  failed="$(failures_of "$log")"
  if [ -n "$failed" ]; then
    echo "  failures in $(basename "$log" .log):"
    echo "$failed"
  fi
done
[ $status = 0 ] && echo "  all tiers passed" || echo "  SOME TIERS FAILED"
exit $status
