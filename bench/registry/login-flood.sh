#!/usr/bin/env bash
# Pulls under a wrong-password flood (issue 13, item 1; the timing that LoginFloodTests no longer asserts): how much
# slower a pull gets while 16 connections send wrong passwords, 5 a second each (the flood that made /healthz answer
# 503 and pulls take seconds before the login gate). One `kindling node serve` on 127.0.0.1, a 2 MiB layer pushed
# once, then ROUNDS rounds of: flood off, PULLS right-password pulls and PULLS anonymous pulls; flood on, the same.
# Idle and flood alternate so the machine's other load weighs on both alike. A pull is one curl (a new TLS
# connection, as a client's pull): the manifest GET then the blob GET, its time the sum of curl's time_total.
# Prints a markdown table (medians, flood/idle) and the flood's answers and bcrypt checks (docs/benchmarks.md,
# "Pulls under a wrong-password flood"). Goal: flood median within 2x of idle for both kinds.
# Usage: bench/registry/login-flood.sh [rounds, default 4] [pulls per kind per round, default 10]
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
rounds="${1:-4}"
pulls="${2:-10}"
connections=16
work="$(mktemp -d /tmp/kindling-bench-flood-XXXXXX)"
pids=()
cleanup() { touch "$work/stop"; for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done; wait 2>/dev/null || true; rm -rf "$work"; }
trap cleanup EXIT
for tool in curl python3 sha256sum; do command -v "$tool" >/dev/null || { echo "bench: $tool is missing" >&2; exit 1; }; done

port=25443
load_before="$(cut -d' ' -f1-3 /proc/loadavg)"
"$root/kindling" version >/dev/null
"$root/kindling" node serve --data "$work/node" --address 127.0.0.1 --registry-port $port --charts-port 25081 --files-port 25900 >"$work/node.log" 2>&1 &
pids+=($!)
for _ in $(seq 1 300); do grep -q "CA certificate for clients" "$work/node.log" 2>/dev/null && break; sleep 0.2; done
grep -q "CA certificate for clients" "$work/node.log" || { echo "bench: the node did not start ($work/node.log):" >&2; cat "$work/node.log" >&2; exit 1; }
creds="$(cat "$work/node/admin-credentials")"
ca="$work/node/pki/ca.crt"
base="https://127.0.0.1:$port/v2/bench/flooded"
accept="Accept: application/vnd.oci.image.manifest.v1+json"

push_blob() { # file -> digest
  local digest location sep
  digest="sha256:$(sha256sum "$1" | cut -d' ' -f1)"
  location="$(curl -sSf --cacert "$ca" -u "$creds" -X POST -D - -o /dev/null "$base/blobs/uploads/" | tr -d '\r' | awk 'tolower($1) == "location:" {print $2}')"
  [[ "$location" == *\?* ]] && sep='&' || sep='?'
  curl -sSf --cacert "$ca" -u "$creds" -X PUT -H "Content-Type: application/octet-stream" --data-binary "@$1" \
    "https://127.0.0.1:$port$location${sep}digest=$digest" >/dev/null
  echo "$digest"
}
head -c $((2 * 1024 * 1024)) /dev/urandom >"$work/layer"
printf '{"architecture":"amd64","os":"linux","rootfs":{"type":"layers","diff_ids":[]}}' >"$work/config"
layer="$(push_blob "$work/layer")"
config="$(push_blob "$work/config")"
printf '{"schemaVersion":2,"mediaType":"application/vnd.oci.image.manifest.v1+json","config":{"mediaType":"application/vnd.oci.image.config.v1+json","digest":"%s","size":%d},"layers":[{"mediaType":"application/vnd.oci.image.layer.v1.tar","digest":"%s","size":%d}]}' \
  "$config" "$(stat -c %s "$work/config")" "$layer" "$(stat -c %s "$work/layer")" >"$work/manifest"
curl -sSf --cacert "$ca" -u "$creds" -X PUT -H "Content-Type: application/vnd.oci.image.manifest.v1+json" --data-binary "@$work/manifest" "$base/manifests/v1" >/dev/null

pull() { # right|anonymous -> seconds (manifest + blob)
  local auth=()
  [[ $1 == right ]] && auth=(-u "$creds")
  curl -sSf --cacert "$ca" "${auth[@]}" -H "$accept" -w '%{time_total}\n' -o /dev/null "$base/manifests/v1" -o /dev/null "$base/blobs/$layer" \
    | awk '{ s += $1 } END { printf "%.6f\n", s }'
}
checks() { curl -sSf --cacert "$ca" "https://127.0.0.1:$port/metrics" | awk '$1 == "kindling_login_checks_total" { print $2 }'; }
median_ms() { sort -n "$1" | awk '{ v[NR] = $1 } END { printf "%.1f", v[int((NR + 1) / 2)] * 1000 }'; }

pull right >/dev/null # the right password is known to the node from here on (one bcrypt check)
checks_before="$(checks)"
python3 "$root/bench/registry/wrong-password-flood.py" "$base/manifests/v1" "${creds%%:*}" "$ca" $connections "$work/flood-on" "$work/stop" >"$work/flood.txt" &
flood_pid=$!
pids+=($flood_pid)
for _ in $(seq 1 "$rounds"); do
  rm -f "$work/flood-on"; sleep 0.3
  for _ in $(seq 1 "$pulls"); do pull right >>"$work/idle-right"; done
  for _ in $(seq 1 "$pulls"); do pull anonymous >>"$work/idle-anonymous"; done
  touch "$work/flood-on"; sleep 0.7
  for _ in $(seq 1 "$pulls"); do pull right >>"$work/flood-right"; done
  for _ in $(seq 1 "$pulls"); do pull anonymous >>"$work/flood-anonymous"; done
done
rm -f "$work/flood-on"; touch "$work/stop"
wait "$flood_pid"
checks_after="$(checks)"

row() { # kind label
  local idle flood
  idle="$(median_ms "$work/idle-$1")"; flood="$(median_ms "$work/flood-$1")"
  echo "| $2 | $idle | $flood | $(awk -v f="$flood" -v i="$idle" 'BEGIN { printf "%.2f", f / i }')x |"
}
echo "| pull (manifest + 2 MiB blob, one curl, new TLS connection) | idle median, ms | flood median, ms | flood / idle |"
echo "|---|---:|---:|---:|"
row right "right password"
row anonymous "anonymous"
echo
echo "$rounds rounds of $pulls pulls of each kind, idle and flooded; flood: $connections connections, answers: $(awk '{ printf "%s%sx %s", sep, $2, $1; sep = ", " }' "$work/flood.txt"); bcrypt checks during the run: $((checks_after - checks_before))"
echo "machine: $(nproc) cores, $(. /etc/os-release && echo "$PRETTY_NAME"), load average before the run: $load_before"
