#!/usr/bin/env bash
# Builds the browser client (web/) into the server's static files (src/WeCompany.Server/wwwroot).
# npm ci runs only when node_modules is missing or package-lock.json changed since the last install,
# so a repeated `make run` does not reinstall.
set -euo pipefail
cd "$(dirname "$0")/../web"

stamp=node_modules/.package-lock.sha256
want=$(sha256sum package-lock.json | cut -d' ' -f1)
have=$(cat "$stamp" 2>/dev/null || true)
if [ ! -d node_modules ] || [ "$want" != "$have" ]; then
  npm ci --no-audit --no-fund
  echo "$want" > "$stamp"
fi

npm run build
