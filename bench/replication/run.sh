#!/usr/bin/env bash
# Replication benchmark: `kindling sync` of the large sample package's images (20 images sharing a 20 MiB base
# layer, plus a unique 1 MiB layer each) from a node to an empty node, then again with nothing changed; compared
# in the same run with `skopeo sync` of the same images between two Distribution registries (Debian
# docker-registry), first run and no-change run. Everything over HTTPS on loopback (127.0.41.193 -> .194), each
# registry with its node's certificate, a fresh empty target for every first run. Prints a markdown table.
# Usage: bench/replication/run.sh [runs, default 5]   (needs skopeo, docker-registry, jq, curl, bc)
#        SYNC_ARGS="--parallel 16" bench/replication/run.sh   (extra kindling sync arguments)
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
runs="${1:-5}"
work="$(mktemp -d /tmp/kindling-bench-repl.XXXXXX)"
pids=()
cleanup() {
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
  wait 2>/dev/null || true
  [[ -n "${KEEP:-}" ]] || rm -rf "$work"
}
trap cleanup EXIT
for tool in skopeo docker-registry jq curl bc; do
  command -v "$tool" >/dev/null || { echo "bench: $tool is missing" >&2; exit 1; }
done

A=127.0.41.193 B=127.0.41.194 KP=26443 DP=26500
now() { date +%s.%N; }
elapsed() { echo "$2 - $1" | bc; }
median() { printf '%s\n' "$@" | sort -n | awk '{a[NR]=$1} END {print (NR%2 ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2)}'; }

start_node() { # name address [extra args]
  local name=$1 addr=$2; shift 2
  "$kindling" node serve --data "$work/$name" --address "$addr" --registry-port $KP --charts-port $((KP+1)) --files-port $((KP+2)) "$@" \
    >"$work/$name.log" 2>&1 &
  echo $! >"$work/$name.pid"
  pids+=($!)
  for _ in $(seq 1 600); do grep -q "CA certificate for clients" "$work/$name.log" 2>/dev/null && return; sleep 0.1; done
  cat "$work/$name.log" >&2; exit 1
}
stop() { local pid; pid=$(cat "$work/$1.pid"); kill "$pid"; wait "$pid" 2>/dev/null || true; }

start_distribution() { # name address cert-dir-of-node
  cat >"$work/$1.yml" <<YAML
version: 0.1
log: {level: error, accesslog: {disabled: true}}
storage: {filesystem: {rootdirectory: $work/$1-store}, delete: {enabled: true}}
http:
  addr: $2:$DP
  tls: {certificate: $3/pki/server.crt, key: $3/pki/server.key}
YAML
  docker-registry serve "$work/$1.yml" >"$work/$1.log" 2>&1 &
  echo $! >"$work/$1.pid"
  pids+=($!)
  for _ in $(seq 1 100); do curl -s --cacert "$work/ca/ca.crt" "https://$2:$DP/v2/" >/dev/null && return; sleep 0.1; done
  cat "$work/$1.log" >&2; exit 1
}

"$root/kindling" version >/dev/null   # build the CLI once; then time the binary itself, not the wrapper's staleness check
kindling="$root/.build/cli/kindling"
"$kindling" package sample --out "$work/pkg" --size large >/dev/null
layout="$work/pkg/offline/images"
mapfile -t refs < <(jq -r '.manifests[].annotations["org.opencontainers.image.ref.name"]' "$layout/index.json")

# The source node and the source Distribution registry, filled from the package (not timed).
start_node primary $A
mkdir -p "$work/ca" && cp "$work/primary/pki/ca.crt" "$work/ca/ca.crt"
start_node certs-for-b $B --ca-from "$work/primary"   # only to issue a certificate for .194 (same CA)
stop certs-for-b
start_distribution dist-a $A "$work/primary"
echo '{"default":[{"type":"insecureAcceptAnything"}]}' >"$work/policy.json"
for ref in "${refs[@]}"; do
  skopeo --policy "$work/policy.json" copy -q --dest-cert-dir "$work/ca" --dest-creds "$(cat "$work/primary/admin-credentials")" "oci:$layout:$ref" "docker://$A:$KP/$ref"
  skopeo --policy "$work/policy.json" copy -q --dest-cert-dir "$work/ca" "oci:$layout:$ref" "docker://$A:$DP/$ref"
done
{
  echo "$A:$DP:"
  echo "  cert-dir: $work/ca"
  echo "  images:"
  for ref in "${refs[@]}"; do echo "    ${ref%:*}: [${ref##*:}]"; done
} >"$work/skopeo-sync.yaml"

k_first=() k_again=() k_first_in=() k_again_in=() s_first=() s_again=()
for i in $(seq "$runs"); do
  start_node "backup-$i" $B --ca-from "$work/primary"
  sync=("$kindling" sync --from "https://$A:$KP" --to "https://$B:$KP" --ca "$work/ca/ca.crt" --to-credentials "$work/backup-$i/admin-credentials" --output json ${SYNC_ARGS:-})
  t0=$(now); "${sync[@]}" >"$work/sync-$i-first.json"; t1=$(now)
  "${sync[@]}" >"$work/sync-$i-again.json"; t2=$(now)
  jq -e '.inStep and .succeeded' "$work/sync-$i-first.json" >/dev/null || { echo "bench: first sync not in step" >&2; cat "$work/sync-$i-first.json" >&2; exit 1; }
  k_first+=("$(elapsed "$t0" "$t1")") k_again+=("$(elapsed "$t1" "$t2")")
  k_first_in+=("$(jq .seconds "$work/sync-$i-first.json")") k_again_in+=("$(jq .seconds "$work/sync-$i-again.json")")
  stop "backup-$i"; rm -rf "$work/backup-$i"

  rm -rf "$work/dist-b-store"
  start_distribution dist-b $B "$work/certs-for-b"
  skopeo_sync=(skopeo --policy "$work/policy.json" sync --src yaml --dest docker --dest-cert-dir "$work/ca" "$work/skopeo-sync.yaml" "$B:$DP")
  t0=$(now); "${skopeo_sync[@]}" >/dev/null; t1=$(now)
  "${skopeo_sync[@]}" >/dev/null; t2=$(now)
  s_first+=("$(elapsed "$t0" "$t1")") s_again+=("$(elapsed "$t1" "$t2")")
  stop dist-b
done

kf=$(median "${k_first[@]}") ka=$(median "${k_again[@]}") kfi=$(median "${k_first_in[@]}") kai=$(median "${k_again_in[@]}")
sf=$(median "${s_first[@]}") sa=$(median "${s_again[@]}")
pct() { echo "scale=1; 100 * $1 / $2" | bc; }
echo "20 images ($(du -sm "$layout" | cut -f1) MiB OCI layout), $runs runs each, median; load average $(cut -d' ' -f1-3 /proc/loadavg)"
echo
echo "| | first run, s | no-change run, s | no-change / first |"
echo "|---|---:|---:|---:|"
echo "| kindling sync (wall, process included) | $kf | $ka | $(pct "$ka" "$kf") % |"
echo "| kindling sync (in-process, as it reports) | $kfi | $kai | $(pct "$kai" "$kfi") % |"
echo "| skopeo sync, Distribution to Distribution | $sf | $sa | $(pct "$sa" "$sf") % |"
echo
echo "first run: kindling is $(echo "scale=2; $sf / $kf" | bc)x faster than skopeo sync (wall)"
echo "runs: kindling first ${k_first[*]} | again ${k_again[*]} | skopeo first ${s_first[*]} | again ${s_again[*]}"
