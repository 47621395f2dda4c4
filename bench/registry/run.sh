#!/usr/bin/env bash
# Registry benchmark: Kindling's node registry vs the Distribution registry (Debian docker-registry), same run,
# same machine, same TLS certificate, loopback only, page cache warm. Prints a markdown table.
#   manifest GET req/s and 1 MiB blob GET req/s (wrk -t2 -c16), 200 MiB blob download MB/s (curl),
#   skopeo push time of a 200 MiB image (fresh repository and fresh client cache per run).
# Usage: bench/registry/run.sh [seconds per wrk run, default 10]
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
duration="${1:-10}"
work="$(mktemp -d /tmp/kindling-bench-XXXXXX)"
pids=()
cleanup() { for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done; wait 2>/dev/null || true; rm -rf "$work"; }
trap cleanup EXIT

for tool in wrk skopeo curl docker-registry python3; do
  command -v "$tool" >/dev/null || { echo "bench: $tool is missing (apt-get install ${tool/docker-registry/docker-registry})" >&2; exit 1; }
done

kport=25443; dport=25000
"$root/kindling" version >/dev/null
"$root/kindling" node serve --data "$work/node" --address 127.0.0.1 --registry-port $kport --charts-port 25081 --files-port 25900 >"$work/node.log" 2>&1 &
pids+=($!)
for _ in $(seq 1 300); do grep -q "CA certificate for clients" "$work/node.log" 2>/dev/null && break; sleep 0.2; done
grep -q "CA certificate for clients" "$work/node.log" || { cat "$work/node.log"; exit 1; }
creds="$(cat "$work/node/admin-credentials")"
mkdir -p "$work/ca" && cp "$work/node/pki/ca.crt" "$work/ca/ca.crt"

cat >"$work/distribution.yml" <<YAML
version: 0.1
log:
  level: error
  accesslog:
    disabled: true
storage:
  filesystem:
    rootdirectory: $work/distribution
  delete:
    enabled: true
http:
  addr: 127.0.0.1:$dport
  tls:
    certificate: $work/node/pki/server.crt
    key: $work/node/pki/server.key
YAML
docker-registry serve "$work/distribution.yml" >"$work/distribution.log" 2>&1 &
pids+=($!)
for _ in $(seq 1 100); do curl -s --cacert "$work/ca/ca.crt" "https://127.0.0.1:$dport/v2/" >/dev/null && break; sleep 0.1; done

python3 "$root/bench/registry/make-image.py" "$work/layout" >"$work/image.txt"
small_manifest="$(sed -n 's/^small manifest=\([^ ]*\).*/\1/p' "$work/image.txt")"
small_layer="$(sed -n 's/^small .* layer=\(.*\)/\1/p' "$work/image.txt")"
big_layer="$(sed -n 's/^big .* layer=\(.*\)/\1/p' "$work/image.txt")"

push() { # registry-port creds repo tag [layout] -> seconds
  local port="$1" credsarg=() start end layout="${5:-$work/layout}"
  [[ -n "$2" ]] && credsarg=(--dest-creds "$2")
  start=$(date +%s.%N)
  skopeo copy -q --preserve-digests --dest-cert-dir "$work/ca" "${credsarg[@]}" "oci:$layout:$4" "docker://127.0.0.1:$port/$3:v1" >/dev/null
  end=$(date +%s.%N)
  echo "$end - $start" | bc
}

declare -A result
for name in kindling distribution; do
  if [[ $name == kindling ]]; then port=$kport; c="$creds"; else port=$dport; c=""; fi
  push $port "$c" bench/app small >/dev/null
  push $port "$c" bench/app big >/dev/null
  base="https://127.0.0.1:$port/v2/bench/app"
  curl -sf --cacert "$work/ca/ca.crt" -H "Accept: application/vnd.oci.image.manifest.v1+json" "$base/manifests/v1" >/dev/null
  result[$name,manifest]=$(wrk -t2 -c16 -d"${duration}s" -H "Accept: application/vnd.oci.image.manifest.v1+json" "$base/manifests/$small_manifest" | awk '/Requests\/sec/ {print $2}')
  result[$name,blob]=$(wrk -t2 -c16 -d"${duration}s" "$base/blobs/$small_layer" | awk '/Requests\/sec/ {print $2}')
  best=0
  for _ in 1 2 3; do
    speed=$(curl -sf --cacert "$work/ca/ca.crt" -o /dev/null -w '%{speed_download}' "$base/blobs/$big_layer")
    best=$(echo "if ($speed > $best) $speed else $best" | bc)
  done
  result[$name,download]=$(echo "scale=0; $best / 1000000" | bc)
  # Each timed push is a new image: skopeo's blob cache would otherwise mount known blobs instead of uploading.
  times=()
  for i in 1 2 3; do
    rm -rf "$work/fresh"; python3 "$root/bench/registry/make-image.py" "$work/fresh" --big-only >/dev/null
    times+=("$(push $port "$c" "bench/push$i" big "$work/fresh")")
  done
  result[$name,push]=$(printf '%s\n' "${times[@]}" | sort -n | sed -n 2p)
done

ratio() { echo "scale=2; $1 / $2" | bc; }
echo "| measure | Kindling | Distribution 2.8.2 | ratio |"
echo "|---|---:|---:|---:|"
echo "| manifest GET by digest, req/s (wrk -t2 -c16, HTTPS) | ${result[kindling,manifest]} | ${result[distribution,manifest]} | $(ratio "${result[kindling,manifest]}" "${result[distribution,manifest]}")x |"
echo "| 1 MiB blob GET, req/s (wrk -t2 -c16, HTTPS) | ${result[kindling,blob]} | ${result[distribution,blob]} | $(ratio "${result[kindling,blob]}" "${result[distribution,blob]}")x |"
echo "| 200 MiB blob download, MB/s (curl, best of 3) | ${result[kindling,download]} | ${result[distribution,download]} | $(ratio "${result[kindling,download]}" "${result[distribution,download]}")x |"
echo "| skopeo push of a 200 MiB image, s (median of 3) | ${result[kindling,push]} | ${result[distribution,push]} | $(ratio "${result[distribution,push]}" "${result[kindling,push]}")x faster |"
echo
echo "machine: $(nproc) cores, $(. /etc/os-release && echo "$PRETTY_NAME"), load average before the run: $(cut -d' ' -f1-3 /proc/loadavg)"
