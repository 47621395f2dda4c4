#!/usr/bin/env bash
# Compares `kindling dns serve` with BIND `named` on this machine: the seed's zones plus 10,000 extra names, the same
# dnsperf query file (existing names, NXDOMAIN, SOA/NS) against each server in turn, `dnsperf -c 4 -l SECONDS`.
# Prints qps for both, the ratio, and each server's RSS after the run. Traffic stays on 127.0.0.1.
#   bench/dns/run.sh [SECONDS]        (default 20)
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
seconds="${1:-20}"
work="$(mktemp -d /tmp/kindling-dnsbench.XXXXXX)"
pids=()
cleanup() { for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done; rm -rf "$work"; }
trap cleanup EXIT

for tool in named dnsperf dig; do
  command -v "$tool" >/dev/null || [[ -x /usr/sbin/$tool ]] || { echo "bench: $tool is missing (apt-get install bind9 dnsperf bind9-dnsutils)" >&2; exit 1; }
done
named=$(command -v named || echo /usr/sbin/named)

# Zones: the seed's two files, the forward zone with 10,000 extra names.
cp "$root/samples/dns/tinder-node-server.com.local" "$work/"
cp "$root/samples/dns/tinder-node-server.com.zone" "$work/"
awk 'BEGIN { for (i = 0; i < 10000; i++) printf "host%d IN A 172.30.%d.%d\n", i, 42 + int(i / 250), 1 + i % 250 }' >> "$work/tinder-node-server.com.zone"

# Queries: 70% existing names, 15% NXDOMAIN, 15% SOA/NS at the apexes.
awk 'BEGIN {
  srand(42);
  for (i = 0; i < 100000; i++) {
    r = rand();
    if (r < 0.70)      printf "host%d.tinder-node-server.com A\n", int(rand() * 10000);
    else if (r < 0.85) printf "missing%d.tinder-node-server.com A\n", int(rand() * 1000);
    else if (r < 0.90) print "tinder-node-server.com SOA";
    else if (r < 0.95) print "tinder-node-server.com NS";
    else               print "201.41.30.172.in-addr.arpa PTR";
  } }' > "$work/queries.txt"

port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
cat > "$work/named.conf" <<CONF
options {
    directory "$work";
    listen-on port $port { 127.0.0.1; };
    listen-on-v6 { none; };
    pid-file none;
    session-keyfile "$work/session.key";
    recursion no;
    notify no;
};
controls { };
zone "tinder-node-server.com" IN { type master; file "tinder-node-server.com.zone"; allow-update { none; }; };
zone "41.30.172.in-addr.arpa" IN { type master; file "tinder-node-server.com.local"; allow-update { none; }; };
CONF

wait_ready() {
  for _ in $(seq 1 100); do
    if dig @127.0.0.1 -p "$port" +short +time=1 +tries=1 tinder-node-server.com SOA 2>/dev/null | grep -q .; then return 0; fi
    sleep 0.2
  done
  echo "bench: server did not answer on 127.0.0.1:$port" >&2; exit 1
}

measure() { # name pid
  local out qps rss
  out=$(dnsperf -s 127.0.0.1 -p "$port" -d "$work/queries.txt" -c 4 -l "$seconds" 2>&1)
  qps=$(awk '/Queries per second/ { print $4 }' <<<"$out")
  lost=$(awk '/Queries lost/ { print $3 }' <<<"$out")
  rss=$(awk '/VmRSS/ { print $2 }' "/proc/$2/status")
  echo "$1 $qps $((rss / 1024)) $lost"
}

"$root/kindling" version >/dev/null   # build the CLI before timing anything

"$named" -g -c "$work/named.conf" >"$work/named.log" 2>&1 &
pids+=($!); named_pid=$!
wait_ready
read -r _ named_qps named_rss named_lost < <(measure named "$named_pid")
kill "$named_pid"; wait "$named_pid" 2>/dev/null || true

"$root/.build/cli/kindling" dns serve --named-conf "$work/named.conf" --listen "127.0.0.1:$port" --pid-file "$work/kindling.pid" >"$work/kindling.log" 2>&1 &
pids+=($!); kindling_pid=$!
wait_ready
read -r _ kindling_qps kindling_rss kindling_lost < <(measure kindling "$kindling_pid")
kill "$kindling_pid"; wait "$kindling_pid" 2>/dev/null || true

ratio=$(awk -v k="$kindling_qps" -v n="$named_qps" 'BEGIN { printf "%.2f", k / n }')
echo "command:  dnsperf -c 4 -l $seconds (100,000-line query file: 70% existing, 15% NXDOMAIN, 15% SOA/NS/PTR)"
echo "machine:  $(nproc) cores, $(awk '/MemTotal/ { printf "%.0f GiB", $2/1048576 }' /proc/meminfo), $(. /etc/os-release; echo "$PRETTY_NAME"), load before run: $(cut -d' ' -f1-3 /proc/loadavg)"
echo "named    $("$named" -v | head -1): ${named_qps} qps, RSS ${named_rss} MB, lost ${named_lost}"
echo "kindling $("$root/.build/cli/kindling" version): ${kindling_qps} qps, RSS ${kindling_rss} MB, lost ${kindling_lost}"
echo "ratio kindling/named: ${ratio}"
