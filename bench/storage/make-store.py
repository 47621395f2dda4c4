#!/usr/bin/env python3
"""Writes a node store (docs/storage-layout.md) with IMAGES images of LAYERS layers each, as a push would leave it:
blobs named by their sha256, blob links, manifest revisions and tags. Every image shares one base layer; the first
KEEP images are tagged, the others were deleted (their blob links remain, no manifest names them). Every file is
dated two days back, so the default 24 h grace does not hold anything.
Usage: make-store.py DIR [IMAGES=1111] [LAYERS=8] [KEEP=IMAGES/2]   (IMAGES * (LAYERS + 2) + 1 blobs)"""
import hashlib, json, os, sys, time

root = sys.argv[1]
images = int(sys.argv[2]) if len(sys.argv) > 2 else 1111
layers = int(sys.argv[3]) if len(sys.argv) > 3 else 8
keep = int(sys.argv[4]) if len(sys.argv) > 4 else images // 2
store = os.path.join(root, "store")
old = time.time() - 2 * 86400

def blob(content):
    digest = hashlib.sha256(content).hexdigest()
    folder = os.path.join(store, "blobs", "sha256", digest[:2])
    os.makedirs(folder, exist_ok=True)
    path = os.path.join(folder, digest)
    with open(path, "wb") as f:
        f.write(content)
    os.utime(path, (old, old))
    return "sha256:" + digest, len(content)

def touch(path, text=""):
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "w") as f:
        f.write(text)
    os.utime(path, (old, old))

for sub in ("tmp", "uploads", "charts", "files", "multipart", "registry"):
    os.makedirs(os.path.join(store, sub), exist_ok=True)
base = blob(b"base layer " + os.urandom(1024))
count = 1
for i in range(images):
    repo = os.path.join(store, "registry", "bench", f"app{i % 50}")
    descriptors = [base] + [blob(os.urandom(1024)) for _ in range(layers - 1)]
    config = blob(json.dumps({"architecture": "amd64", "os": "linux", "i": i}).encode())
    manifest = json.dumps({
        "schemaVersion": 2, "mediaType": "application/vnd.oci.image.manifest.v1+json",
        "config": {"mediaType": "application/vnd.oci.image.config.v1+json", "digest": config[0], "size": config[1]},
        "layers": [{"mediaType": "application/vnd.oci.image.layer.v1.tar", "digest": d, "size": s} for d, s in descriptors],
    }).encode()
    m = blob(manifest)
    count += layers + 1
    for d, _ in descriptors + [config]:
        touch(os.path.join(repo, "_layers", "sha256", d[7:]))
    if i < keep:
        touch(os.path.join(repo, "_manifests", "revisions", "sha256", m[0][7:]), "application/vnd.oci.image.manifest.v1+json")
        touch(os.path.join(repo, "_manifests", "tags", f"v{i}"), m[0])
print(f"{count} blobs, {images} images ({keep} tagged, {images - keep} deleted) in {store}")
