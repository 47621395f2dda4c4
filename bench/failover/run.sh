#!/usr/bin/env bash
# Failover and failback times of Kindling against PowerDNS's Lua ifurlup, in the same run, on loopback only.
#
# Two bootstrap nodes are nginx processes on 127.0.0.2 and 127.0.0.3 (HTTPS /healthz for Kindling, plain HTTP
# /healthz for PowerDNS, whose ifurlup cannot be given a private CA). The systems under test, each answering
# www.tinder-node-server.com on 127.0.0.1:
#   kindling-bind  named, switched by `kindling failover --server --key` (external-BIND mode, RFC 2136)
#   kindling-dns   `kindling dns serve --failover` (Kindling's own DNS server)
#   mesh-1, mesh-2 three `kindling dns serve` instances sharing one failover file with `peers:` (issue 15), the
#                  third killed (kill -9) before the series: the two live ones must agree without it
#   pdns-5s        pdns_server 4.x, bind backend, LUA record ifurlup, default health-check interval (5 s)
#   pdns-1s        the same with lua-health-checks-interval=1
# Kindling runs with its defaults (interval 1 s, fast re-probe 100 ms, timeout 500 ms, fall 3, rise 5,
# hold-down 10 s) except flapWindow: 1s in the kill series, so every kill starts from the first hold-down as an
# isolated incident would (the flap series uses the default 10 min).
#
# Series (each: kill, then poll every server with dig until it names the backup; restart, poll until the primary):
#   refused  the primary's nginx is killed (SIGKILL): connection refused
#   cut      the primary's nginx is stopped (SIGSTOP): connections hang, checks time out
#   flap     the primary alternates down/up every 2 s for FLAP seconds; counts answer changes per system
#
#   bench/failover/run.sh [KILLS] [FLAP]      (defaults 10 and 60)
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
kills="${1:-10}"
flap="${2:-60}"
work="$(mktemp -d /tmp/kindling-failbench.XXXXXX)"
pids=()
cleanup() {
  for p in "${pids[@]}"; do kill -CONT "$p" 2>/dev/null || true; kill "$p" 2>/dev/null || true; done
  [[ -n "${primary_pid:-}" ]] && { kill -CONT "$primary_pid" 2>/dev/null || true; kill -9 "$primary_pid" 2>/dev/null || true; }
  [[ -n "${KEEP:-}" ]] && echo "bench: kept $work" >&2 || rm -rf "$work"
}
trap cleanup EXIT

for tool in named dig nginx openssl pdns_server python3; do
  command -v "$tool" >/dev/null || [[ -x /usr/sbin/$tool ]] || { echo "bench: $tool is missing (apt-get install bind9 bind9-dnsutils nginx openssl pdns-server pdns-backend-bind)" >&2; exit 1; }
done
named=$(command -v named || echo /usr/sbin/named)
pdns=$(command -v pdns_server || echo /usr/sbin/pdns_server)
freeport() { python3 -c 'import socket,sys; s=socket.socket(); s.bind((sys.argv[1],0)); print(s.getsockname()[1])' "${1:-127.0.0.1}"; }
now() { date +%s.%N; }

https_port=$(freeport 127.0.0.2)
http_port=$(freeport 127.0.0.2)
zone=tinder-node-server.com
name=www.$zone

# --- the two nodes --------------------------------------------------------------------------------------------
for n in 2 3; do
  mkdir -p "$work/node$n/tmp"
  openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout "$work/node$n/key.pem" -out "$work/node$n/cert.pem" \
    -days 2 -subj "/CN=node 127.0.0.$n" -addext "subjectAltName=IP:127.0.0.$n" 2>/dev/null
  cat "$work/node$n/cert.pem" >> "$work/ca.pem"
  cat > "$work/node$n/nginx.conf" <<CONF
daemon off;
master_process off;
error_log stderr crit;
pid $work/node$n/nginx.pid;
events { worker_connections 512; }
http {
  access_log off;
  client_body_temp_path $work/node$n/tmp; proxy_temp_path $work/node$n/tmp; fastcgi_temp_path $work/node$n/tmp;
  uwsgi_temp_path $work/node$n/tmp; scgi_temp_path $work/node$n/tmp;
  server {
    listen 127.0.0.$n:$https_port ssl;
    listen 127.0.0.$n:$http_port;
    ssl_certificate $work/node$n/cert.pem;
    ssl_certificate_key $work/node$n/key.pem;
    location = /healthz { return 200 "ok\n"; }
  }
}
CONF
done
started=""
start_node() { nginx -c "$work/node$1/nginx.conf" -p "$work/node$1" >/dev/null 2>>"$work/node$1/log" & started=$!; }
start_node 2; primary_pid=$started
start_node 3; pids+=("$started")

# --- named + kindling failover (external-BIND mode) -------------------------------------------------------------
named_port=$(freeport)
secret=$(openssl rand -base64 32)
printf 'key "failover" { algorithm hmac-sha256; secret "%s"; };\n' "$secret" > "$work/failover.key"
cat > "$work/$zone.zone" <<ZONE
\$TTL 300
@ IN SOA ns1 admin 1 3600 600 86400 60
@ IN NS ns1
ns1 IN A 127.0.0.1
www 5 IN A 127.0.0.2
ZONE
cat > "$work/named.conf" <<CONF
options { directory "$work"; listen-on port $named_port { 127.0.0.1; }; listen-on-v6 { none; }; pid-file none;
  session-keyfile "$work/session.key"; recursion no; notify no; dnssec-validation no; };
controls { };
include "$work/failover.key";
zone "$zone" { type primary; file "$work/$zone.zone"; allow-update { key failover; }; notify no; };
CONF
"$named" -g -c "$work/named.conf" -n 1 >"$work/named.log" 2>&1 & pids+=($!)

failover_yaml() { # flapWindow
  cat <<YAML
records:
  - name: $name.
    primary: [127.0.0.2]
    backup: [127.0.0.3]
    ttl: 5
    check:
      url: https://{address}:$https_port/healthz
      ca: $work/ca.pem
      flapWindow: $1
YAML
}
failover_yaml 1s > "$work/failover.yaml"
kindling_pid=""
kdns_pid=""
kdns_port=$(freeport)
mkdir -p "$work/kdns"
cp "$work/$zone.zone" "$work/kdns/$zone.zone"
cat > "$work/kdns/named.conf" <<CONF
options { directory "$work/kdns"; notify no; };
zone "$zone" { type master; file "$zone.zone"; allow-update { none; }; notify no; };
CONF
# Three instances with peers: each its own zone copy, DNS port and --http port; the peers are the --http endpoints.
openssl rand -base64 48 > "$work/peer.key"
mesh_dns=(); mesh_http=(); mesh_pid=()
for i in 0 1 2; do
  mesh_dns+=("$(freeport)"); mesh_http+=("$(freeport)")
  mkdir -p "$work/mesh$i"
  cp "$work/$zone.zone" "$work/mesh$i/$zone.zone"
  printf 'options { directory "%s"; notify no; };\nzone "%s" { type master; file "%s.zone"; allow-update { none; }; notify no; };\n' \
    "$work/mesh$i" "$zone" "$zone" > "$work/mesh$i/named.conf"
done
start_mesh() { # the failover file plus peers:, three instances
  { cat "$work/failover.yaml"; printf 'peers:\n  secret: %s\n  urls:\n' "$work/peer.key"
    for i in 0 1 2; do printf '    - http://127.0.0.1:%s\n' "${mesh_http[$i]}"; done; } > "$work/mesh.yaml"
  mesh_pid=()
  for i in 0 1 2; do
    "$root/kindling" dns serve --named-conf "$work/mesh$i/named.conf" --listen "127.0.0.1:${mesh_dns[$i]}" --pid-file "$work/mesh$i/pid" \
      --failover "$work/mesh.yaml" --failover-state "$work/mesh$i.state.json" --http "127.0.0.1:${mesh_http[$i]}" >>"$work/mesh$i.log" 2>&1 &
    mesh_pid+=($!); pids+=($!)
  done
}
kill_mesh_third() { # the dead instance of the series
  { kill -9 "${mesh_pid[2]}"; wait "${mesh_pid[2]}"; } 2>/dev/null || true
}
start_kindling() { # both Kindling modes and the mesh, from a clean state
  rm -f "$work"/*.state.json "$work/kdns/"*.kjnl* "$work"/mesh*/*.kjnl*
  start_mesh
  "$root/kindling" failover --config "$work/failover.yaml" --state "$work/bind.state.json" \
    --server "127.0.0.1:$named_port" --key "$work/failover.key" >>"$work/kindling.log" 2>&1 &
  kindling_pid=$!; pids+=("$kindling_pid")
  "$root/kindling" dns serve --named-conf "$work/kdns/named.conf" --listen "127.0.0.1:$kdns_port" --pid-file "$work/kdns/pid" \
    --failover "$work/failover.yaml" --failover-state "$work/dns.state.json" >>"$work/kdns.log" 2>&1 &
  kdns_pid=$!; pids+=("$kdns_pid")
}
"$root/kindling" version >/dev/null   # build once before timing anything
sleep 1
start_kindling

# --- PowerDNS with ifurlup ------------------------------------------------------------------------------------
start_pdns() { # label interval; sets pdns_port
  local dir="$work/$1" port
  port=$(freeport)
  mkdir -p "$dir"
  cat > "$dir/$zone.zone" <<ZONE
\$TTL 300
@ IN SOA ns1.$zone. admin.$zone. 1 3600 600 86400 60
@ IN NS ns1.$zone.
ns1 IN A 127.0.0.1
www 5 IN LUA A "ifurlup('http://$name:$http_port/healthz', {{'127.0.0.2'}, {'127.0.0.3'}})"
ZONE
  printf 'zone "%s" { type master; file "%s/%s.zone"; };\n' "$zone" "$dir" "$zone" > "$dir/named.conf"
  "$pdns" --no-config --daemon=no --guardian=no --disable-syslog --loglevel=3 --socket-dir="$dir" \
    --local-address=127.0.0.1 --local-port="$port" --launch=bind --bind-config="$dir/named.conf" \
    --enable-lua-records=yes --security-poll-suffix= --lua-health-checks-interval="$2" >"$dir/log" 2>&1 &
  pids+=($!)
  pdns_port=$port
}
start_pdns pdns-5s 5; pdns5_port=$pdns_port
start_pdns pdns-1s 1; pdns1_port=$pdns_port

systems=(kindling-dns kindling-bind mesh-1 mesh-2 pdns-5s pdns-1s)
declare -A port=([kindling-dns]=$kdns_port [kindling-bind]=$named_port [mesh-1]=${mesh_dns[0]} [mesh-2]=${mesh_dns[1]} [pdns-5s]=$pdns5_port [pdns-1s]=$pdns1_port)

answer() { dig @127.0.0.1 -p "${port[$1]}" +short +tries=1 +time=1 "$name" A 2>/dev/null | sort | tr '\n' ' ' | sed 's/ $//'; }

wait_all() { # expected timeout
  local deadline=$(( $(date +%s) + $2 )) s
  for s in "${systems[@]}"; do
    until [[ "$(answer "$s")" == "$1" ]]; do
      (( $(date +%s) < deadline )) || { echo "bench: $s does not answer $1 (answers '$(answer "$s")')" >&2; return 1; }
      sleep 0.1
    done
  done
}

# Polls every system until each answers $1; prints "system seconds" for each (seconds since $2).
time_until() { # expected start timeout
  local -A done=() ; local s a t
  while (( ${#done[@]} < ${#systems[@]} )); do
    for s in "${systems[@]}"; do
      [[ -n "${done[$s]:-}" ]] && continue
      a=$(answer "$s"); t=$(now)
      if [[ "$a" == "$1" ]]; then done[$s]=1; echo "$s $(awk -v a="$t" -v b="$2" 'BEGIN { printf "%.3f", a - b }')"; fi
      if awk -v a="$t" -v b="$2" -v m="$3" 'BEGIN { exit !(a - b > m) }'; then
        for s in "${systems[@]}"; do [[ -n "${done[$s]:-}" ]] || echo "$s timeout"; done; return 0
      fi
    done
  done
}

echo "bench: waiting for every system to answer the primary ..." >&2
wait_all 127.0.0.2 60
kill_mesh_third

series() { # mode: refused | cut
  local i t0
  for i in $(seq 1 "$kills"); do
    wait_all 127.0.0.2 120
    sleep "$(awk -v r=$RANDOM 'BEGIN { printf "%.3f", 1 + r / 32768 }')"   # a random phase against the check schedules
    if [[ $1 == refused ]]; then { kill -9 "$primary_pid"; wait "$primary_pid"; } 2>/dev/null || true; else kill -STOP "$primary_pid"; fi
    t0=$(now)
    time_until 127.0.0.3 "$t0" 60 | sed "s/^/$1 failover /" | tee -a "$work/results" >&2
    if [[ $1 == refused ]]; then start_node 2; primary_pid=$started; else kill -CONT "$primary_pid"; fi
    t0=$(now)
    time_until 127.0.0.2 "$t0" 120 | sed "s/^/$1 failback /" | tee -a "$work/results" >&2
  done
}

series refused
series cut

# --- flapping ---------------------------------------------------------------------------------------------------
{ kill "$kindling_pid" "$kdns_pid" "${mesh_pid[@]}"; wait "$kindling_pid" "$kdns_pid" "${mesh_pid[@]}"; } 2>/dev/null || true
failover_yaml 10m > "$work/failover.yaml"
start_kindling
wait_all 127.0.0.2 60
kill_mesh_third
declare -A last=() changes=()
for s in "${systems[@]}"; do last[$s]=127.0.0.2; changes[$s]=0; done
end=$(( $(date +%s) + flap )); next=$(date +%s.%N); up=1
while (( $(date +%s) < end )); do
  if awk -v a="$(now)" -v b="$next" 'BEGIN { exit !(a >= b) }'; then
    if (( up )); then { kill -9 "$primary_pid"; wait "$primary_pid"; } 2>/dev/null || true; up=0; else start_node 2; primary_pid=$started; up=1; fi
    next=$(awk -v b="$next" 'BEGIN { printf "%.3f", b + 2 }')
  fi
  for s in "${systems[@]}"; do
    a=$(answer "$s")
    if [[ -n "$a" && "$a" != "${last[$s]}" ]]; then changes[$s]=$(( ${changes[$s]} + 1 )); last[$s]=$a; fi
  done
done
(( up )) || { start_node 2; primary_pid=$started; }
for s in "${systems[@]}"; do echo "flap changes $s ${changes[$s]}" | tee -a "$work/results" >&2; done

# --- summary ----------------------------------------------------------------------------------------------------
summary() { # mode direction
  local s values timeouts
  for s in "${systems[@]}"; do
    values=$(awk -v m="$1" -v d="$2" -v s="$s" '$1 == m && $2 == d && $3 == s && $4 != "timeout" { print $4 }' "$work/results" | sort -n)
    timeouts=$(awk -v m="$1" -v d="$2" -v s="$s" '$1 == m && $2 == d && $3 == s && $4 == "timeout"' "$work/results" | wc -l)
    if [[ -z "$values" ]]; then echo "| $s | $1 $2 | 0 | - | - | - | $timeouts |"; continue; fi
    echo "$values" | awk -v s="$s" -v m="$1" -v d="$2" -v t="$timeouts" '{ v[NR] = $1 }
      END { n = NR; i50 = int((n + 1) / 2); i90 = int(n * 0.9); if (i90 < n * 0.9) i90++;
            printf "| %s | %s %s | %d | %.2f | %.2f | %.2f | %d |\n", s, m, d, n, v[i50], v[i90], v[n], t }'
  done
}
echo
echo "Failover bench: $kills kills per series, flap $flap s, $(date -u +%Y-%m-%dT%H:%MZ), $(nproc) cores, load $(cut -d' ' -f1-3 /proc/loadavg)"
echo
echo "| system | series | kills | p50 s | p90 s | max s | timeouts |"
echo "|---|---|---|---|---|---|---|"
for mode in refused cut; do for dir in failover failback; do summary "$mode" "$dir"; done; done
echo
echo "| system | answer changes while the primary flapped every 2 s for $flap s (1 = the failover itself) |"
echo "|---|---|"
for s in "${systems[@]}"; do awk -v s="$s" '$1 == "flap" && $3 == s { printf "| %s | %s |\n", s, $4 }' "$work/results"; done
