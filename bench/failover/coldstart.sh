#!/usr/bin/env bash
# Cold starts of `kindling dns serve --failover` under CPU load, with the primary flapping: does every side keep
# being checked? (The failure this guards against: a side whose checks silently stopped at a cold start under load.)
#
# Two nginx "nodes" on 127.0.0.2 (primary) and 127.0.0.3 (backup) serve HTTPS /healthz. BUSY shell busy loops load
# the CPU. Each run removes the state, starts the server cold with --http, kills and restarts the primary every 2 s
# for SECONDS, and reads /status every 0.5 s. A side counts as stalled when its number of finished checks did not
# grow for 5 s (3 intervals past the 2 s probe guard), which also works with an older binary without the watchdog.
#
#   bench/failover/coldstart.sh [RUNS] [BUSY] [SECONDS]     (defaults 10, 6, 20)
#   KINDLING=/path/to/kindling bench/failover/coldstart.sh  (another build, e.g. an older one)
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
runs="${1:-10}"
busy="${2:-6}"
seconds="${3:-20}"
kindling="${KINDLING:-$root/kindling}"
work="$(mktemp -d /tmp/kindling-coldstart.XXXXXX)"
pids=()
busy_pids=()
primary_pid=""
cleanup() {
  for p in "${busy_pids[@]}" "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
  [[ -n "$primary_pid" ]] && kill -9 "$primary_pid" 2>/dev/null || true
  [[ -n "${KEEP:-}" ]] && echo "coldstart: kept $work" >&2 || rm -rf "$work"
}
trap cleanup EXIT
for tool in nginx openssl curl python3; do
  command -v "$tool" >/dev/null || { echo "coldstart: $tool is missing" >&2; exit 1; }
done
freeport() { python3 -c 'import socket,sys; s=socket.socket(); s.bind((sys.argv[1],0)); print(s.getsockname()[1])' "${1:-127.0.0.1}"; }

port=$(freeport 127.0.0.2)
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
    listen 127.0.0.$n:$port ssl;
    ssl_certificate $work/node$n/cert.pem;
    ssl_certificate_key $work/node$n/key.pem;
    location = /healthz { return 200 "ok\n"; }
  }
}
CONF
done
start_node() { nginx -c "$work/node$1/nginx.conf" -p "$work/node$1" >/dev/null 2>>"$work/node$1/log" & started=$!; }
start_node 2; primary_pid=$started
start_node 3; pids+=("$started")

zone=tinder-node-server.com
mkdir -p "$work/dns"
printf '$TTL 300\n@ IN SOA ns1 admin 1 3600 600 86400 60\n@ IN NS ns1\nns1 IN A 127.0.0.1\n' > "$work/dns/$zone.zone"
printf 'options { directory "%s"; notify no; };\nzone "%s" { type master; file "%s.zone"; notify no; };\n' "$work/dns" "$zone" "$zone" > "$work/dns/named.conf"
cat > "$work/failover.yaml" <<YAML
records:
  - name: www.$zone.
    primary: [127.0.0.2]
    backup: [127.0.0.3]
    check:
      url: https://{address}:$port/healthz
      ca: $work/ca.pem
YAML
"$kindling" version >/dev/null   # build once, before the load
for _ in $(seq 1 "$busy"); do nice -n 0 sh -c 'while :; do :; done' & busy_pids+=($!); done

stalled_runs=0
for run in $(seq 1 "$runs"); do
  rm -f "$work"/*.state.json "$work/dns/"*.kjnl*
  dns_port=$(freeport); http_port=$(freeport)
  "$kindling" dns serve --named-conf "$work/dns/named.conf" --listen "127.0.0.1:$dns_port" --pid-file "$work/dns/pid" \
    --failover "$work/failover.yaml" --failover-state "$work/dns.state.json" --http "127.0.0.1:$http_port" >"$work/run$run.log" 2>&1 &
  server=$!
  start=$(date +%s.%N); next=$(awk -v s="$start" 'BEGIN { printf "%.3f", s + 2 }'); up=1
  : > "$work/run$run.status"
  while awk -v s="$start" -v n="$(date +%s.%N)" -v d="$seconds" 'BEGIN { exit !(n - s < d) }'; do
    if awk -v a="$(date +%s.%N)" -v b="$next" 'BEGIN { exit !(a >= b) }'; then
      if (( up )); then { kill -9 "$primary_pid"; wait "$primary_pid"; } 2>/dev/null || true; up=0; else start_node 2; primary_pid=$started; up=1; fi
      next=$(awk -v b="$next" 'BEGIN { printf "%.3f", b + 2 }')
    fi
    body=$(curl -s --max-time 1 "http://127.0.0.1:$http_port/status" || true)
    [[ -n "$body" ]] && printf '%s %s\n' "$(date +%s.%N)" "$(tr -d '\n ' <<<"$body")" >> "$work/run$run.status"
    sleep 0.5
  done
  (( up )) || { start_node 2; primary_pid=$started; up=1; }
  kill "$server"; wait "$server" 2>/dev/null || true
  verdict=$(python3 - "$work/run$run.status" "$start" <<'PY'
import json, sys
start = float(sys.argv[2]); last = {}; changed = {}; worst = {}; state = {}
for line in open(sys.argv[1]):
    at, body = line.split(" ", 1)
    at = float(at)
    rec = json.loads(body)["records"][0]
    for side in ("primary", "backup"):
        s = rec[side]
        if last.get(side) != s["probes"]:
            last[side] = s["probes"]; changed[side] = at
        worst[side] = max(worst.get(side, 0), at - changed.get(side, start))
        state[side] = (s["state"], s["probes"], rec["transitions"])
out = []
for side in ("primary", "backup"):
    st, probes, _ = state.get(side, ("none", 0, 0))
    out.append(f"{side}: {probes} checks, longest gap {worst.get(side, 0):.1f} s, {st}")
stalled = any(worst.get(side, 99) >= 5 for side in ("primary", "backup"))
print(("STALLED " if stalled else "ok      ") + "; ".join(out) + f"; transitions {state.get('primary', (0, 0, 0))[2]}")
PY
)
  [[ $verdict == STALLED* ]] && stalled_runs=$((stalled_runs + 1))
  echo "run $run (load $(cut -d' ' -f1 /proc/loadavg)): $verdict"
done
echo "coldstart: $stalled_runs of $runs runs had a side whose checks stalled ($busy busy loops, $(nproc) cores, $seconds s each, $("$kindling" version 2>/dev/null | head -1))"
(( stalled_runs == 0 ))
