#!/usr/bin/env python3
"""Writes an OCI image layout with two images for the registry benchmark:
   small:v1  one 1 MiB layer (the 1 MiB blob GET target; its manifest is the manifest GET target)
   big:v1    one 200 MiB layer (download MB/s and push time)
Layers are random bytes (incompressible), so no client recompresses them."""
import hashlib, json, os, sys

out = sys.argv[1]
big_only = len(sys.argv) > 2 and sys.argv[2] == "--big-only"   # a fresh 200 MiB image (new digests) for a push timing
os.makedirs(os.path.join(out, "blobs", "sha256"), exist_ok=True)

def blob(data):
    digest = hashlib.sha256(data).hexdigest()
    with open(os.path.join(out, "blobs", "sha256", digest), "wb") as f:
        f.write(data)
    return "sha256:" + digest, len(data)

def big_blob(size):
    h = hashlib.sha256()
    tmp = os.path.join(out, "big.tmp")
    with open(tmp, "wb") as f:
        left = size
        while left:
            chunk = os.urandom(min(left, 4 << 20))
            h.update(chunk); f.write(chunk); left -= len(chunk)
    os.rename(tmp, os.path.join(out, "blobs", "sha256", h.hexdigest()))
    return "sha256:" + h.hexdigest(), size

refs = []
images = (("big", big_blob(200 << 20)),) if big_only else (("small", blob(os.urandom(1 << 20))), ("big", big_blob(200 << 20)))
for tag, (layer, size) in images:
    config = json.dumps({"architecture": "amd64", "os": "linux", "rootfs": {"type": "layers", "diff_ids": [layer]}}).encode()
    cdigest, csize = blob(config)
    manifest = json.dumps({
        "schemaVersion": 2, "mediaType": "application/vnd.oci.image.manifest.v1+json",
        "config": {"mediaType": "application/vnd.oci.image.config.v1+json", "digest": cdigest, "size": csize},
        "layers": [{"mediaType": "application/vnd.oci.image.layer.v1.tar", "digest": layer, "size": size}],
    }).encode()
    mdigest, msize = blob(manifest)
    refs.append({"mediaType": "application/vnd.oci.image.manifest.v1+json", "digest": mdigest, "size": msize,
                 "annotations": {"org.opencontainers.image.ref.name": tag}})
    print(f"{tag} manifest={mdigest} ({msize} bytes) layer={layer}")
with open(os.path.join(out, "index.json"), "w") as f:
    json.dump({"schemaVersion": 2, "manifests": refs}, f)
with open(os.path.join(out, "oci-layout"), "w") as f:
    f.write('{"imageLayoutVersion":"1.0.0"}')
