#!/usr/bin/env bash
# Garbage collection of a store with ~10,000 blobs: time and peak memory of `kindling node gc` on a stopped node's
# folder (the store is written by make-store.py: 1,111 images of 8 layers + config + manifest, one shared base: 10,000 blobs,
# half tagged, half deleted). Prints a markdown row per run: dry run first (marks and lists), then the real run
# (removes ~5,000 blobs), then a second real run (nothing left to remove).
# Usage: bench/storage/gc.sh [IMAGES=1111] [LAYERS=8]
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
images="${1:-1111}"; layers="${2:-8}"
work="$(mktemp -d /tmp/kindling-bench-gc-XXXXXX)"
trap 'rm -rf "$work"' EXIT
"$root/kindling" version >/dev/null
python3 "$root/bench/storage/make-store.py" "$work/node" "$images" "$layers" "$((images / 2))"
# Creates the admin credentials (a bcrypt hash) once, outside the measured runs.
"$root/kindling" node fsck --data "$work/node" >/dev/null || true
echo "| run | blobs scanned | removed | bytes freed | wall s | in-process s | gate held s | peak RSS MiB |"
echo "|---|---:|---:|---:|---:|---:|---:|---:|"
for run in "dry run:--dry-run" "collection:" "second collection:"; do
  name="${run%%:*}"; flag="${run#*:}"
  /usr/bin/time -f "%e %M" -o "$work/time" "$root/kindling" node gc --data "$work/node" --json $flag >"$work/report.json"
  read -r wall rss <"$work/time"
  python3 - "$work/report.json" "$name" "$wall" "$rss" <<'PY'
import json, sys
r = json.load(open(sys.argv[1]))
print(f"| {sys.argv[2]} | {r['blobsScanned']:,} | {r['blobsRemoved']:,} | {r['bytesFreed']:,} | {float(sys.argv[3]):.2f} | {r['durationSeconds']:.3f} | {r['gateHeldSeconds']:.3f} | {int(sys.argv[4]) / 1024:.0f} |")
PY
done
"$root/kindling" node fsck --data "$work/node" | tail -1
