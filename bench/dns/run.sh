#!/usr/bin/env bash
# DNS throughput, the way peers can't argue with (issue 14): BIND `named`, Knot `knotd`, `nsd` and `kindling dns serve`
# answer the same zones (the seed's two zones, the forward one with 10,000 extra names) and the same query file
# (70% existing A names, 15% NXDOMAIN, 5% SOA, 5% NS, 5% PTR) in one run, round robin, in two settings:
#   unpinned  every server with its defaults, the load generator beside it on the same cores;
#   pinned    every server on core 0 with one worker (named -n 1, knotd udp-workers 1, nsd server-count 1,
#             kindling --udp-threads 1) and the generator on core 1 (`taskset`): queries per second per core.
# Each measurement: the generator (BENCH_GENERATOR, below) with `-c 4 -l SECONDS` for qps and lost queries, with the
# server's CPU time (all threads and descendants, /proc/PID/stat) and the generator's (GNU time) over that run: server CPU µs per answered query and answers per
# second of server CPU, the per-core comparison that holds even when the generator or other load limits the qps; then the
# server's memory, then a second dnsperf
# at a fixed rate (BENCH_LATENCY_QPS, below every server's capacity) with -v for the latency percentiles (p50/p99).
# Every server gets a fresh start per measurement; the order rotates each repeat. Min/median/max over the repeats.
# Servers listen on 127.0.0.1 only, send no NOTIFY (no secondaries configured anywhere, `notify no` for named), NSD
# with response rate limiting off (rrl-ratelimit: 0). Run as root (knotd and nsd are started by hand in temp dirs).
#
#   bench/dns/run.sh [SECONDS] [REPEATS]          defaults: 15 s per measurement, 3 repeats
#   BENCH_SERVERS="named kindling"                which servers (default: named knotd nsd kindling; missing ones skipped)
#   BENCH_SETTINGS="pinned"                       which settings (default: unpinned pinned)
#   BENCH_LATENCY_QPS=20000 BENCH_LATENCY_SECONDS=5   the latency run (BENCH_LATENCY_QPS=0 skips it)
#   KINDLING_ARGS="--udp-threads 2"               extra arguments for kindling dns serve (both settings)
#   BENCH_NICE=-20                                servers and generators at that priority (all servers alike)
#   BENCH_OUT=results.tsv                         keep every measurement (one line each) in that file
#   BENCH_DNSPERF_ARGS="-c 4"                     the generator's load options for the qps run (same for every server)
#   BENCH_GENERATOR=load                          the qps run's load generator: load (default) =
#                                                 bench/Kindling.Dns.Load (dnsperf's flags, query file and summary
#                                                 lines; one thread, batched sendmmsg/recvmmsg, every answer
#                                                 checked), or dnsperf, which at ~6 µs of CPU per query saturates its
#                                                 core before knotd, nsd or Kindling do on a 2-core machine
# Output: one line per measurement, then a table per setting (qps, lost, RSS, p99, CPU µs per query, qps per CPU
# second, server and generator CPU %) and Kindling's ratios to named and to the faster of knotd and nsd, by median qps
# and by qps per CPU-second. qps means something only on a quiet machine; CPU per query also on a busy one.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
seconds="${1:-15}"
repeats="${2:-3}"
servers=(${BENCH_SERVERS:-named knotd nsd kindling})
settings=(${BENCH_SETTINGS:-unpinned pinned})
latency_qps="${BENCH_LATENCY_QPS:-20000}"
latency_seconds="${BENCH_LATENCY_SECONDS:-5}"
nice_cmd=(nice -n "${BENCH_NICE:-0}")
dnsperf_args="${BENCH_DNSPERF_ARGS:--c 4}"
generator="${BENCH_GENERATOR:-load}"
work="$(mktemp -d /tmp/kindling-dnsbench.XXXXXX)"
results="${BENCH_OUT:-$work/results.tsv}"
server_pid=""
cleanup() {
  if [[ -n "$server_pid" ]]; then kill "$server_pid" 2>/dev/null || true; wait "$server_pid" 2>/dev/null || true; fi
  rm -rf "$work"
}
trap cleanup EXIT

fail() { echo "bench: $*" >&2; exit 1; }
[[ $(id -u) == 0 ]] || fail "run as root: knotd and nsd are started by hand with temporary directories"
[[ "$seconds" =~ ^[0-9]+$ && "$repeats" =~ ^[0-9]+$ ]] || fail "usage: bench/dns/run.sh [SECONDS] [REPEATS] (whole numbers), got '$*'"
for tool in dnsperf dig taskset; do
  command -v "$tool" >/dev/null || fail "$tool is missing (apt-get install dnsperf bind9-dnsutils util-linux)"
done
binary() { command -v "$1" 2>/dev/null || { [[ -x /usr/sbin/$1 ]] && echo "/usr/sbin/$1"; } || true; }
available=()
for s in "${servers[@]}"; do
  case "$s" in
    named|knotd|nsd) if [[ -n "$(binary "$s")" ]]; then available+=("$s"); else echo "bench: $s is not installed, left out" >&2; fi ;;
    kindling) available+=(kindling) ;;
    *) fail "unknown server '$s' in BENCH_SERVERS: use named, knotd, nsd, kindling" ;;
  esac
done
servers=("${available[@]}")
if [[ " ${settings[*]} " == *" pinned "* ]] && (($(nproc) < 2)); then fail "the pinned setting needs 2 cores (server on 0, generator on 1); this machine has $(nproc)"; fi

# Zones: the seed's two files, the forward zone with 10,000 extra names.
cp "$root/samples/dns/tinder-node-server.com.local" "$work/"
cp "$root/samples/dns/tinder-node-server.com.zone" "$work/"
awk 'BEGIN { for (i = 0; i < 10000; i++) printf "host%d IN A 172.30.%d.%d\n", i, 42 + int(i / 250), 1 + i % 250 }' >> "$work/tinder-node-server.com.zone"

# Queries: 70% existing names, 15% NXDOMAIN, 5% each SOA, NS at the apex and PTR in the reverse zone.
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

port=$(python3 -c 'import socket; s=socket.socket(socket.AF_INET, socket.SOCK_DGRAM); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')

# named: defaults (one worker per core; -n 1 when pinned).
cat > "$work/named.conf" <<CONF
options {
    directory "$work";
    listen-on port $port { 127.0.0.1; };
    listen-on-v6 { none; };
    pid-file none;
    session-keyfile "$work/session.key";
    recursion no;
    notify no;
    dnssec-validation no;
    trust-anchor-telemetry no;
};
controls { };
zone "tinder-node-server.com" IN { type master; file "tinder-node-server.com.zone"; allow-update { none; }; };
zone "41.30.172.in-addr.arpa" IN { type master; file "tinder-node-server.com.local"; allow-update { none; }; };
CONF

# knotd: defaults (udp-workers one per core; 1 when pinned); no remotes, so no NOTIFY; never writes the zone files.
knot_conf() { # workers-line
  cat <<CONF
server:
    rundir: "$work/knot"
    listen: 127.0.0.1@$port
$1
log:
  - target: stderr
    any: warning
database:
    storage: "$work/knot"
template:
  - id: default
    zonefile-sync: -1
    zonefile-load: whole
    journal-content: none
zone:
  - domain: tinder-node-server.com
    file: "$work/tinder-node-server.com.zone"
  - domain: 41.30.172.in-addr.arpa
    file: "$work/tinder-node-server.com.local"
CONF
}
mkdir -p "$work/knot"
knot_conf "" > "$work/knot-unpinned.conf"
knot_conf "    udp-workers: 1
    tcp-workers: 1
    background-workers: 1" > "$work/knot-pinned.conf"

# nsd: defaults (server-count 1 is NSD's default), RRL off, no NOTIFY targets, no database file, no control socket.
nsd_conf() { # server-count
  cat <<CONF
server:
    ip-address: 127.0.0.1
    port: $port
    do-ip6: no
    server-count: $1
    username: ""
    chroot: ""
    zonesdir: "$work"
    database: ""
    pidfile: "$work/nsd.pid"
    xfrdfile: "$work/nsd-xfrd.state"
    xfrdir: "$work"
    zonelistfile: "$work/nsd-zone.list"
    logfile: "$work/nsd.log"
    rrl-ratelimit: 0
    rrl-whitelist-ratelimit: 0
    verbosity: 0
remote-control:
    control-enable: no
zone:
    name: tinder-node-server.com
    zonefile: "$work/tinder-node-server.com.zone"
zone:
    name: 41.30.172.in-addr.arpa
    zonefile: "$work/tinder-node-server.com.local"
CONF
}
nsd_conf 1 > "$work/nsd-unpinned.conf"
nsd_conf 1 > "$work/nsd-pinned.conf"

if [[ " ${servers[*]} " == *" kindling "* ]]; then
  "$root/kindling" version >/dev/null   # build the CLI before timing anything
fi
case "$generator" in
  dnsperf) load_cmd=(dnsperf) ;;
  load)
    dotnet build "$root/bench/Kindling.Dns.Load/Kindling.Dns.Load.csproj" -c Release -o "$work/load" --nologo -v quiet >"$work/load-build.log" 2>&1 \
      || { cat "$work/load-build.log" >&2; fail "building bench/Kindling.Dns.Load failed"; }
    load_cmd=(dotnet "$work/load/Kindling.Dns.Load.dll") ;;
  *) fail "unknown BENCH_GENERATOR '$generator': use dnsperf or load" ;;
esac

start_server() { # server setting
  local pin=()
  [[ $2 == pinned ]] && pin=(taskset -c 0)
  case "$1" in
    named)
      local extra=(); [[ $2 == pinned ]] && extra=(-n 1)
      "${nice_cmd[@]}" "${pin[@]}" "$(binary named)" -g "${extra[@]}" -c "$work/named.conf" >"$work/named.log" 2>&1 & ;;
    knotd)
      rm -rf "$work/knot"/*
      "${nice_cmd[@]}" "${pin[@]}" "$(binary knotd)" -c "$work/knot-$2.conf" >"$work/knotd.log" 2>&1 & ;;
    nsd)
      "${nice_cmd[@]}" "${pin[@]}" "$(binary nsd)" -d -c "$work/nsd-$2.conf" >"$work/nsd.out" 2>&1 & ;;
    kindling)
      local extra=(); [[ $2 == pinned ]] && extra=(--udp-threads 1)
      # shellcheck disable=SC2086 # KINDLING_ARGS is a list of arguments
      "${nice_cmd[@]}" "${pin[@]}" "$root/.build/cli/kindling" dns serve --named-conf "$work/named.conf" --listen "127.0.0.1:$port" \
        "${extra[@]}" ${KINDLING_ARGS:-} >"$work/kindling.log" 2>&1 & ;;
  esac
  server_pid=$!
  for _ in $(seq 1 150); do
    if dig @127.0.0.1 -p "$port" +short +time=1 +tries=1 host9999.tinder-node-server.com A 2>/dev/null | grep -q 172.30; then return 0; fi
    kill -0 "$server_pid" 2>/dev/null || break
    sleep 0.2
  done
  tail -20 "$work"/*.log "$work"/*.out 2>/dev/null >&2 || true
  fail "$1 ($2) did not answer host9999.tinder-node-server.com on 127.0.0.1:$port"
}

stop_server() {
  kill "$server_pid" 2>/dev/null || true
  wait "$server_pid" 2>/dev/null || true
  server_pid=""
  # The next server binds the same port: wait until it is free (nsd's children exit after the parent).
  for _ in $(seq 1 50); do
    python3 -c "import socket,sys; s=socket.socket(socket.AF_INET, socket.SOCK_DGRAM); s.bind(('127.0.0.1',$port))" 2>/dev/null && return 0
    sleep 0.1
  done
  fail "port $port still in use after stopping the server"
}

# The server and all its descendants (nsd forks xfrd, which forks the serving process).
process_tree() {
  local c
  echo "$1"
  for c in $(pgrep -P "$1" 2>/dev/null || true); do process_tree "$c"; done
}

# Resident memory of the server and its descendants, in MB.
memory_mb() {
  local total=0 p
  for p in $(process_tree "$1"); do
    total=$((total + $(awk '/VmRSS/ { print $2 }' "/proc/$p/status" 2>/dev/null || echo 0)))
  done
  echo $((total / 1024))
}

# CPU time (user + system, all threads) of the server and its descendants, in clock ticks.
cpu_ticks() {
  local total=0 p t
  for p in $(process_tree "$1"); do
    # Fields after the command name (which may hold spaces): utime and stime are the 12th and 13th.
    t=$(sed 's/^.*) //' "/proc/$p/stat" 2>/dev/null | awk '{ print $12 + $13 }') || t=0
    total=$((total + ${t:-0}))
  done
  echo "$total"
}
ticks_per_second=$(getconf CLK_TCK)

measure() { # server setting repeat
  local load=() out qps lost rss p50=- p99=- batch cpu0 cpu1 done_queries run_time cpu_s us_per_query per_core server_pct gen_pct
  [[ $2 == pinned ]] && load=(taskset -c 1)
  start_server "$1" "$2"
  cpu0=$(cpu_ticks "$server_pid")
  # The generator's own CPU (user + system) through GNU time: dnsperf above ~95 % is the ceiling, not the server.
  out=$("${nice_cmd[@]}" "${load[@]}" /usr/bin/time -f 'generator-cpu %U %S' "${load_cmd[@]}" -s 127.0.0.1 -p "$port" -d "$work/queries.txt" \
      ${dnsperf_args} -l "$seconds" 2>&1)
  cpu1=$(cpu_ticks "$server_pid")
  qps=$(awk '/Queries per second/ { print $4 }' <<<"$out")
  # Kindling.Dns.Load also checks every answer (QR, ID, the question asked, NOERROR/NXDOMAIN): a wrong one counts as lost.
  lost=$(awk '/Queries lost/ { lost = $3 } /Bad answers/ { bad = $3 } END { print lost + bad }' <<<"$out")
  done_queries=$(awk '/Queries completed/ { print $3 }' <<<"$out")
  run_time=$(awk '/Run time \(s\)/ { print $4 }' <<<"$out")
  [[ -n "$qps" && -n "$done_queries" && -n "$run_time" ]] || { echo "$out" >&2; fail "$generator against $1 printed no qps"; }
  # Server CPU per answered query (µs) and answers per second of server CPU: the per-core comparison, which holds
  # even when the load generator or other processes limit the qps.
  read -r cpu_s us_per_query per_core server_pct gen_pct < <(awk -v t="$((cpu1 - cpu0))" -v hz="$ticks_per_second" \
      -v q="$done_queries" -v rt="$run_time" -v gen="$(awk '/^generator-cpu/ { print $2 + $3 }' <<<"$out")" 'BEGIN {
        c = t / hz; printf "%.2f %.3f %.0f %.0f %.0f\n", c, (q > 0 ? c * 1e6 / q : 0), (c > 0 ? q / c : 0), c * 100 / rt, gen * 100 / rt }')
  rss=$(memory_mb "$server_pid")
  if ((latency_qps > 0)); then
    # -v prints one line per answer, its latency in seconds last; percentiles by sorting them.
    read -r p50 p99 < <("${nice_cmd[@]}" "${load[@]}" dnsperf -s 127.0.0.1 -p "$port" -d "$work/queries.txt" -c 4 -l "$latency_seconds" \
        -Q "$latency_qps" -v 2>/dev/null | awk '$1 == ">" { print $NF * 1000 }' | sort -g \
      | awk '{ v[NR] = $1 } END { if (NR == 0) print "- -"; else printf "%.3f %.3f\n", v[int(NR * 0.50) + (NR * 0.50 > int(NR * 0.50))], v[int(NR * 0.99) + (NR * 0.99 > int(NR * 0.99))] }')
  fi
  stop_server
  # Kindling logs on shutdown how many datagrams each recvmmsg returned on average (over the qps and latency runs).
  batch=-
  [[ $1 == kindling ]] && batch=$(grep -o 'mean batch [0-9.]*' "$work/kindling.log" | awk '{ print $3 }' | tail -1)
  printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$2" "$1" "$3" "$qps" "$lost" "$rss" "$p50" "$p99" \
    "$us_per_query" "$per_core" "$server_pct" "$gen_pct" "${batch:--}" | tee -a "$results"
}

echo "command:  BENCH_NICE=${BENCH_NICE:-0} BENCH_GENERATOR=$generator BENCH_DNSPERF_ARGS=\"$dnsperf_args\" BENCH_SERVERS=\"${servers[*]}\" BENCH_SETTINGS=\"${settings[*]}\" KINDLING_ARGS=\"${KINDLING_ARGS:-}\" bench/dns/run.sh $seconds $repeats"
echo "machine:  $(nproc) cores, $(awk '/MemTotal/ { printf "%.0f GiB", $2/1048576 }' /proc/meminfo), $(. /etc/os-release; echo "$PRETTY_NAME"), load before run: $(cut -d' ' -f1-3 /proc/loadavg)"
for s in "${servers[@]}"; do
  case "$s" in
    named) echo "named:    $("$(binary named)" -v | head -1)" ;;
    knotd) echo "knotd:    $("$(binary knotd)" -V 2>&1 | head -1)" ;;
    nsd)   echo "nsd:      $("$(binary nsd)" -v 2>&1 | head -1)" ;;
    kindling) echo "kindling: $("$root/.build/cli/kindling" version)" ;;
  esac
done
printf 'setting\tserver\trepeat\tqps\tlost\trss_mb\tp50_ms\tp99_ms\tcpu_us_per_query\tqps_per_cpu_s\tserver_cpu_pct\tgenerator_cpu_pct\tudp_batch\n' | tee "$results"
for setting in "${settings[@]}"; do
  for ((r = 0; r < repeats; r++)); do
    n=${#servers[@]}
    for ((i = 0; i < n; i++)); do
      measure "${servers[$(((i + r) % n))]}" "$setting" "$((r + 1))"
    done
  done
done

echo
echo "min/median/max over $repeats repeat(s); qps from $generator $dnsperf_args -l $seconds; p99 at ${latency_qps} qps (dnsperf -Q)"
awk -F'\t' 'NR > 1 {
    key = $1 SUBSEP $2; n[key]++; q[key, n[key]] = $4; lost[key] += $5; rss[key] = ($6 > rss[key] ? $6 : rss[key]);
    p99[key, n[key]] = $8; us[key, n[key]] = $9; pc[key, n[key]] = $10; sp[key, n[key]] = $11; gp[key, n[key]] = $12; bt[key, n[key]] = $13
    if (!(($1) in seen)) { seen[$1] = 1; order[++ns] = $1 } if (!(($1, $2) in sv)) { sv[$1, $2] = 1; so[$1, ++m[$1]] = $2 }
  }
  function sorted(arr, key, c, fmt,   i, j, t, out) { for (i = 1; i <= c; i++) out[i] = arr[key, i]; for (i = 1; i <= c; i++) for (j = i + 1; j <= c; j++) if (out[j] + 0 < out[i] + 0) { t = out[i]; out[i] = out[j]; out[j] = t }
    return sprintf(fmt " " fmt " " fmt, out[1], out[int((c + 1) / 2)], out[c]) }
  function ratio(label, a, b) { if (a > 0 && b > 0) printf "%-44s %.2f\n", label, a / b }
  END {
    for (s = 1; s <= ns; s++) {
      setting = order[s]
      printf "\n%s\n%-9s %10s %10s %10s %6s %8s %9s %10s %12s %8s %8s %6s\n", setting, "server", "min qps", "median", "max", "lost", "RSS MB", "p99 ms",
        "CPU us/q", "qps/CPU-s", "srv CPU%", "gen CPU%", "batch"
      peer_q = 0; peer_c = 0; peer_us = 0
      for (k = 1; k <= m[setting]; k++) {
        srv = so[setting, k]; key = setting SUBSEP srv; c = n[key]
        split(sorted(q, key, c, "%.0f"), a, " "); split(sorted(p99, key, c, "%.3f"), l, " "); split(sorted(us, key, c, "%.3f"), u, " ")
        split(sorted(pc, key, c, "%.0f"), e, " "); split(sorted(sp, key, c, "%.0f"), w, " "); split(sorted(gp, key, c, "%.0f"), g, " "); split(sorted(bt, key, c, "%s"), b, " ")
        med[srv] = a[2]; cpu[srv] = e[2]; usq[srv] = u[2]
        printf "%-9s %10s %10s %10s %6d %8d %9s %10s %12s %8s %8s %6s\n", srv, a[1], a[2], a[3], lost[key], rss[key], l[2], u[2], e[2], w[2], g[2], b[2]
        if ((srv == "knotd" || srv == "nsd") && a[2] > peer_q) peer_q = a[2]
        if ((srv == "knotd" || srv == "nsd") && e[2] > peer_c) { peer_c = e[2]; peer_us = u[2] }
      }
      if (med["kindling"] > 0) {
        ratio("kindling/named (median qps):", med["kindling"], med["named"])
        ratio("kindling/max(knotd, nsd) (median qps):", med["kindling"], peer_q)
        ratio("kindling/named (qps per CPU-second):", cpu["kindling"], cpu["named"])
        ratio("kindling/max(knotd, nsd) (qps per CPU-second):", cpu["kindling"], peer_c)
        if (usq["named"] > 0) printf "%-44s %.3f / %.3f\n", "CPU us per query, kindling / named:", usq["kindling"], usq["named"]
        if (peer_us > 0) printf "%-44s %.3f / %.3f\n", "CPU us per query, kindling / best peer:", usq["kindling"], peer_us
      }
      delete med; delete cpu; delete usq
    }
    print "\nCPU us/q: server CPU time (user + system, all threads and child processes) during the qps run / answered queries;"
    print "qps/CPU-s: answers per second of server CPU; srv/gen CPU%: server and generator CPU time / run time (100 = one core)."
    print "dnsperf near 100 % of its core means the qps columns measure dnsperf, not the server: compare CPU per query."
    print "The load generator polls without sleeping while it has room in its window, so its CPU % says little; a server"
    print "near 100 % (of one core per worker) is the one being measured."
    print "batch: datagrams per recvmmsg call, the mean Kindling logs at shutdown (32 is the most one call takes)."
  }' "$results"
