# Sourced by bench/cluster/run.sh and scripts/cluster-local.sh: the deployed gateway (deploy/nginx/wecompany.conf)
# rewritten for loopback, and a readiness poll.
_gateway_repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)

# gateway_write DIR HTTP_PORT HTTPS_PORT "NODE1_PORT [NODE2_PORT [NODE3_PORT]]" [SED_ARGS...]
# Writes DIR/wecompany.conf — listen ports, node i at 127.0.0.1:NODEi_PORT (absent nodes removed), the certificate
# DIR/gateway.{crt,key} (self-signed, made when absent), logs in DIR, plus SED_ARGS — and DIR/nginx.conf around it.
# Start it with: nginx -p DIR -e DIR/nginx-error.log -c DIR/nginx.conf -g 'daemon off;'
gateway_write() {
  local dir=$1 http_port=$2 https_port=$3 i
  local -a ports
  read -r -a ports <<<"$4"
  shift 4
  if [ ! -f "$dir/gateway.crt" ]; then
    openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -keyout "$dir/gateway.key" \
      -out "$dir/gateway.crt" -days 7 -subj /CN=localhost -addext "subjectAltName=IP:127.0.0.1,DNS:localhost" 2>/dev/null
  fi
  local sed_args=(-e "s#listen 80;#listen 127.0.0.1:$http_port;#" -e "s#listen 443 ssl http2;#listen 127.0.0.1:$https_port ssl http2;#"
                  -e '/listen \[::\]/d' -e "s#/etc/nginx/tls/wecompany\.#$dir/gateway.#" -e "s#/var/log/nginx/#$dir/#" "$@")
  for i in 1 2 3; do
    if [ "$i" -le "${#ports[@]}" ]; then sed_args+=(-e "s#server node$i:8080 #server 127.0.0.1:${ports[$((i-1))]} #")
    else sed_args+=(-e "/server node$i:8080 /d"); fi
  done
  sed "${sed_args[@]}" "$_gateway_repo/deploy/nginx/wecompany.conf" > "$dir/wecompany.conf"
  cat > "$dir/nginx.conf" <<CONF
worker_processes auto;
pid $dir/nginx.pid;
events { worker_connections 8192; }
http {
  client_body_temp_path $dir/tmp-body; proxy_temp_path $dir/tmp-proxy;
  fastcgi_temp_path $dir/tmp-fcgi; uwsgi_temp_path $dir/tmp-uwsgi; scgi_temp_path $dir/tmp-scgi;
  include $dir/wecompany.conf;
}
CONF
}

# wait_ready URL WHAT [LOG]: polls URL (certificate not checked) for at most 90 s; on failure names WHAT and shows LOG's end.
wait_ready() {
  local i
  for i in $(seq 1 900); do curl -fsk -o /dev/null "$1" && return 0; sleep 0.1; done
  echo "$2 did not become ready${3:+; the end of its log ($3):}" >&2
  [ -n "${3:-}" ] && tail -20 "$3" >&2
  return 1
}
