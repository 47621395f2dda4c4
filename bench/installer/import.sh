#!/usr/bin/env bash
# Import time of the large sample package: `kindling cluster-create -j 1,2,5` (verify, certificates, images
# into the registry store, service start and health check) against `skopeo copy --all` of the same OCI layout
# into the Distribution registry (Debian docker-registry), in the same run, on loopback.
# Usage: bench/installer/import.sh [runs]   (needs skopeo, docker-registry; ports 127.0.41.193:28443-28445, 127.0.0.1:28500)
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
runs="${1:-3}"
work="$(mktemp -d /tmp/kindling-bench-import.XXXXXX)"
registry_pid=""
cleanup() {
  [[ -n "$registry_pid" ]] && kill "$registry_pid" 2>/dev/null || true
  for d in "$work"/data-*; do [[ -d "$d" ]] && "$root/kindling" node stop --data "$d" >/dev/null 2>&1 || true; done
  [[ -n "${KEEP:-}" ]] || rm -rf "$work"
}
trap cleanup EXIT

"$root/kindling" package sample --out "$work/pkg" --size large >/dev/null
layout="$work/pkg/offline/images"
images=$(jq -r '.manifests[].annotations["org.opencontainers.image.ref.name"]' "$layout/index.json")
count=$(wc -l <<<"$images")
size=$(du -sm "$layout" | cut -f1)
cat >"$work/cc.yaml" <<YAML
apiVersion: provision.daocloud.io/v1alpha3
kind: ClusterConfig
spec:
  clusterName: bench
  bootstrapNode: 127.0.41.193
  tinderKind: {registryPort: 28443, chartmuseumPort: 28444, minioServerPort: 28445}
  fullPackagePath: $work/pkg/offline
  imagesAndCharts: {type: builtin}
YAML

now() { date +%s.%N; }
kindling_times=() import_times=() skopeo_times=()
for i in $(seq "$runs"); do
  data="$work/data-$i"
  t0=$(now)
  "$root/kindling" cluster-create -c "$work/cc.yaml" -j 1,2,5 --data "$data" -l "$work/install-$i.log" -q >/dev/null
  t1=$(now)
  "$root/kindling" node stop --data "$data" >/dev/null
  kindling_times+=("$(echo "$t1 - $t0" | bc)")
  # the image import alone, from the install log's timestamps ("importing N image(s)" to "images: ...")
  import_times+=("$(awk '/ importing [0-9]+ image/ {s=$1} / images: / {e=$1} END {
      split(substr(s,12,12),a,":"); split(substr(e,12,12),b,":"); printf "%.3f", (b[1]*3600+b[2]*60+b[3])-(a[1]*3600+a[2]*60+a[3]) }' "$work/install-$i.log")")

  store="$work/registry-$i"
  mkdir -p "$store"
  cat >"$work/registry-$i.yml" <<YAML
version: 0.1
log: {level: error, accesslog: {disabled: true}}
storage: {filesystem: {rootdirectory: $store}, delete: {enabled: true}}
http: {addr: 127.0.0.1:28500}
YAML
  docker-registry serve "$work/registry-$i.yml" >"$work/registry-$i.log" 2>&1 &
  registry_pid=$!
  for _ in $(seq 50); do curl -fs http://127.0.0.1:28500/v2/ >/dev/null && break; sleep 0.1; done
  t0=$(now)
  while read -r ref; do
    skopeo copy --all --quiet --dest-tls-verify=false "oci:$layout:$ref" "docker://127.0.0.1:28500/$ref"
  done <<<"$images"
  t1=$(now)
  kill "$registry_pid"; wait "$registry_pid" 2>/dev/null || true; registry_pid=""
  skopeo_times+=("$(echo "$t1 - $t0" | bc)")
done

median() { printf '%s\n' "$@" | sort -n | awk '{a[NR]=$1} END {print (NR%2 ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2)}'; }
k=$(median "${kindling_times[@]}"); m=$(median "${import_times[@]}"); s=$(median "${skopeo_times[@]}")
echo "large sample package: $count images, ${size} MiB OCI layout, $runs runs each (median)"
echo "kindling cluster-create -j 1,2,5 (verify + import + service start + health): ${k}s   runs: ${kindling_times[*]}"
echo "  of which the image import (step 5 before the service starts):           ${m}s   runs: ${import_times[*]}"
echo "skopeo copy --all into docker-registry (import only):                   ${s}s   runs: ${skopeo_times[*]}"
echo "ratio skopeo / kindling whole command: $(echo "scale=2; $s / $k" | bc)x; skopeo / kindling import: $(echo "scale=1; $s / $m" | bc)x"
