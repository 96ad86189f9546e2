#!/usr/bin/env bash
# REST figures of the foundation issue, in one run on loopback (wrk, 64 connections):
#   - GET /api/v1/users/profile against GET /api/v1/ping (the trivial-endpoint baseline of the same server)
#   - POST /api/v1/auth/login (bounded by the password hash cost)
#   - start-up to /readyz on embedded defaults (median of 5 cold starts, fresh data folder each)
# Prints a Markdown table; docs/benchmarks.md keeps the figures of the last run.
set -euo pipefail
cd "$(dirname "$0")/../.."
DURATION=${DURATION:-10s}
CONNECTIONS=${CONNECTIONS:-64}
command -v wrk >/dev/null || { echo "wrk is missing: apt-get install wrk" >&2; exit 1; }

# The published, self-contained, ReadyToRun server: what `make` produces as ./bin/WeCompanyServer.
make --no-print-directory publish >/dev/null
server=bin/WeCompanyServer
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
base=http://127.0.0.1:$port
work=$(mktemp -d)
trap 'kill $pid 2>/dev/null || true; wait 2>/dev/null || true; [ -n "${KEEP:-}" ] || rm -rf "$work"' EXIT

# Start-up time: process start → /readyz answers 200.
startups=()
for i in 1 2 3 4 5; do
  rm -rf "$work/data"
  t0=$(date +%s%N)
  WECOMPANY_Http__Address=127.0.0.1 "$server" --http-port "$port" -p 0 --media-port 0 --data-dir "$work/data" >"$work/server.log" 2>&1 &
  pid=$!
  until curl -sf "$base/readyz" >/dev/null 2>&1; do sleep 0.01; done
  t1=$(date +%s%N)
  startups+=($(( (t1 - t0) / 1000000 )))
  kill $pid; wait $pid 2>/dev/null || true
done
startup_median=$(printf '%s\n' "${startups[@]}" | sort -n | sed -n 3p)

rm -rf "$work/data"
WECOMPANY_Http__Address=127.0.0.1 WECOMPANY_Logging__LogLevel__Default=Warning \
  "$server" --http-port "$port" -p 0 --media-port 0 --data-dir "$work/data" >"$work/server.log" 2>&1 &
pid=$!
until curl -sf "$base/readyz" >/dev/null 2>&1; do sleep 0.01; done
curl -sf -XPOST "$base/api/v1/auth/register" -H 'content-type: application/json' \
  -d '{"username":"bench","email":"bench@example.com","password":"SecurePass123!"}' >"$work/register.json"
token=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["data"]["token"])' "$work/register.json")

cat >"$work/login.lua" <<'LUA'
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
wrk.body = '{"username":"bench","password":"SecurePass123!"}'
LUA

run() { # name, wrk args... → "rps p50 p99"
  local name=$1; shift
  wrk -t2 -c"$CONNECTIONS" -d"$DURATION" --latency "$@" >"$work/$name.txt"
  python3 - "$work/$name.txt" <<'PY'
import re, sys
text = open(sys.argv[1]).read()
rps = float(re.search(r"Requests/sec:\s+([\d.]+)", text).group(1))
def ms(label):
    m = re.search(r"\s%s%%\s+([\d.]+)(us|ms|s)" % label, text)
    v, unit = float(m.group(1)), m.group(2)
    return v / 1000 if unit == "us" else v * 1000 if unit == "s" else v
non2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", text)
print(f"{rps:.0f} {ms('50'):.2f} {ms('99'):.2f} {non2xx.group(1) if non2xx else 0}")
PY
}

wrk -t2 -c"$CONNECTIONS" -d3s "$base/api/v1/ping" >/dev/null # warm-up
# Baseline and target alternate over ROUNDS rounds; the medians are reported (this machine's timings vary ~2x).
ROUNDS=${ROUNDS:-3}
pings=(); profiles=()
for r in $(seq "$ROUNDS"); do
  pings+=("$(run ping "$base/api/v1/ping")")
  profiles+=("$(run profile -H "Authorization: Bearer $token" "$base/api/v1/users/profile")")
done
median() { printf '%s\n' "$@" | sort -n -k1 | sed -n "$(( ($# + 1) / 2 ))p"; }
read -r ping_rps ping_p50 ping_p99 ping_err < <(median "${pings[@]}")
read -r prof_rps prof_p50 prof_p99 prof_err < <(median "${profiles[@]}")
# Sign-in is bounded by the password hash (PBKDF2-HMAC-SHA512, 210,000 iterations), one per core at a time.
read -r login_rps login_p50 login_p99 login_err < <(run login --timeout 30s -s "$work/login.lua" "$base/api/v1/auth/login")
ratio=$(python3 -c "print(f'{$prof_rps/$ping_rps*100:.0f}')")

cat <<MD
| endpoint (wrk, $CONNECTIONS connections, $DURATION) | requests/s | p50 ms | p99 ms | non-2xx |
|---|---|---|---|---|
| GET /api/v1/ping (baseline, median of $ROUNDS) | $ping_rps | $ping_p50 | $ping_p99 | $ping_err |
| GET /api/v1/users/profile (median of $ROUNDS) | $prof_rps ($ratio% of baseline) | $prof_p50 | $prof_p99 | $prof_err |
| POST /api/v1/auth/login | $login_rps | $login_p50 | $login_p99 | $login_err |

Start-up to /readyz (embedded defaults, fresh data folder), 5 cold starts: ${startups[*]} ms; median ${startup_median} ms.
MD
