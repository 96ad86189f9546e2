#!/usr/bin/env bash
# Meetings figures, in one wrk run per store on loopback (64 connections): with 10,000 meetings in the store,
# GET /api/v1/meetings?page=1&page_size=20 and POST /api/v1/meetings/{id}/join (a user already in: the
# idempotent path), each against GET /api/v1/ping of the same server. STORES="sqlite postgres" by default.
set -euo pipefail
cd "$(dirname "$0")/../.."
source bench/lib/postgres.sh
DURATION=${DURATION:-10s}
CONNECTIONS=${CONNECTIONS:-64}
MEETINGS=${MEETINGS:-10000}
make --no-print-directory publish >/dev/null
server=bin/WeCompanyServer

run_store() {
  local store=$1 work port base pid
  work=$(mktemp -d)
  port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
  base=http://127.0.0.1:$port
  local env=(WECOMPANY_Http__Address=127.0.0.1 WECOMPANY_Logging__LogLevel__Default=Warning)
  if [ "$store" = postgres ]; then pg_start; env+=(WECOMPANY_Storage__Provider=postgres "WECOMPANY_Storage__ConnectionString=$PG_URL"); fi
  env "${env[@]}" "$server" --http-port "$port" -p 0 --media-port 0 --data-dir "$work/data" >"$work/server.log" 2>&1 &
  pid=$!
  until curl -sf "$base/readyz" >/dev/null 2>&1; do sleep 0.05; done
  python3 - "$base" "$MEETINGS" "$work" <<'PY'
import http.client, json, sys, urllib.parse
base, count, work = sys.argv[1], int(sys.argv[2]), sys.argv[3]
u = urllib.parse.urlparse(base)
c = http.client.HTTPConnection(u.hostname, u.port)
def call(method, path, body=None, token=None):
    headers = {"Content-Type": "application/json"}
    if token: headers["Authorization"] = "Bearer " + token
    c.request(method, path, json.dumps(body) if body is not None else None, headers)
    r = c.getresponse(); data = json.loads(r.read())
    assert r.status < 300, (r.status, data)
    return data["data"]
host = call("POST", "/api/v1/auth/register", {"username": "host", "email": "host@example.com", "password": "SecurePass123!"})
guest = call("POST", "/api/v1/auth/register", {"username": "guest", "email": "guest@example.com", "password": "SecurePass123!"})
last = None
for i in range(count):
    last = call("POST", "/api/v1/meetings", {"title": f"Meeting {i}", "start_time": "2030-01-01T10:00:00Z", "duration": 60,
               "max_participants": 10, "is_public": i % 2 == 0, "settings": {"require_password": False}}, host["token"])
call("POST", f"/api/v1/meetings/{last['meeting_id']}/join", {}, guest["token"])
open(work + "/guest.token", "w").write(guest["token"])
open(work + "/meeting.id", "w").write(str(last["meeting_id"]))
PY
  local token mid; token=$(cat "$work/guest.token"); mid=$(cat "$work/meeting.id")
  printf 'wrk.method = "POST"\nwrk.headers["Content-Type"] = "application/json"\nwrk.headers["Authorization"] = "Bearer %s"\nwrk.body = "{}"\n' "$token" >"$work/join.lua"
  wrk -t2 -c"$CONNECTIONS" -d3s "$base/api/v1/ping" >/dev/null
  for name in ping list join; do
    case $name in
      ping) wrk -t2 -c"$CONNECTIONS" -d"$DURATION" --latency "$base/api/v1/ping" >"$work/$name.txt" ;;
      list) wrk -t2 -c"$CONNECTIONS" -d"$DURATION" --latency -H "Authorization: Bearer $token" "$base/api/v1/meetings?page=1&page_size=20" >"$work/$name.txt" ;;
      join) wrk -t2 -c"$CONNECTIONS" -d"$DURATION" --latency -s "$work/join.lua" "$base/api/v1/meetings/$mid/join" >"$work/$name.txt" ;;
    esac
  done
  python3 - "$work" "$store" "$CONNECTIONS" "$DURATION" "$MEETINGS" <<'PY'
import re, sys
work, store, conns, dur, meetings = sys.argv[1:]
def parse(name):
    t = open(f"{work}/{name}.txt").read()
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", t).group(1))
    def ms(p):
        m = re.search(r"\s%s%%\s+([\d.]+)(us|ms|s)" % p, t); v, u = float(m.group(1)), m.group(2)
        return v / 1000 if u == "us" else v * 1000 if u == "s" else v
    e = re.search(r"Non-2xx or 3xx responses: (\d+)", t)
    return rps, ms("50"), ms("99"), int(e.group(1)) if e else 0
base = parse("ping")
print(f"| {store}: GET /api/v1/ping (baseline) | {base[0]:.0f} | {base[1]:.2f} | {base[2]:.2f} | {base[3]} |")
for name, label in (("list", f"GET /api/v1/meetings?page=1&page_size=20 ({meetings} meetings)"), ("join", "POST /api/v1/meetings/{id}/join (already in)")):
    r = parse(name)
    print(f"| {store}: {label} | {r[0]:.0f} ({r[0]/base[0]*100:.0f}% of baseline) | {r[1]:.2f} | {r[2]:.2f} | {r[3]} |")
PY
  kill $pid; wait $pid 2>/dev/null || true
  [ "$store" = postgres ] && pg_stop
  rm -rf "$work"
}

echo "| endpoint (wrk, $CONNECTIONS connections, $DURATION) | requests/s | p50 ms | p99 ms | non-2xx |"
echo "|---|---|---|---|---|"
for store in ${STORES:-sqlite postgres}; do run_store "$store"; done
