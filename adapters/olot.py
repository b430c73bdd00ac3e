#!/usr/bin/env python3
"""ai-interop adapter for olot (pip): a packer that appends model files as layers to an OCI
image layout ("modelcar") and, with --add-modelpack, writes a ModelPack manifest beside it.

olot needs an existing image layout to append to; the adapter writes the smallest one (an empty
image config, no layers) and then runs `olot <layout> --add-modelpack --root-dir <src> <files>`.
It tags the ModelPack manifest olot adds with the requested tag. olot's command line has no way
to set manifest annotations, so the requested annotations cannot be passed on."""

import hashlib
import json
import os
import sys

import aiinterop_adapter as a

a.reexec_in_venv()


def tool():
    from importlib.metadata import version
    return {
        "name": "olot",
        "version": version("olot"),
        "homepage": "https://github.com/containers/olot",
        "roles": ["packer"],
        "capabilities": ["pack-model"],
        "unsupported": {
            "pack-skill": "olot packs model files into a modelcar image; it has no agent-skill mapping",
            "pack-prompt": "olot packs model files into a modelcar image; it has no prompt-template mapping",
            "pack-workflow": "olot packs model files into a modelcar image; it has no workflow mapping",
            "reproducible": "not claimed: olot records file times in the layers it writes",
        },
    }


def put_blob(layout, data):
    d = hashlib.sha256(data).hexdigest()
    with open(os.path.join(layout, "blobs", "sha256", d), "wb") as f:
        f.write(data)
    return {"digest": "sha256:" + d, "size": len(data)}


def base_layout(layout):
    os.makedirs(os.path.join(layout, "blobs", "sha256"))
    with open(os.path.join(layout, "oci-layout"), "w") as f:
        json.dump({"imageLayoutVersion": "1.0.0"}, f)
    # olot wants at least one layer in the base image: an empty tar archive.
    empty = put_blob(layout, b"\0" * 1024)
    config = json.dumps({"architecture": "amd64", "os": "linux",
                         "rootfs": {"type": "layers", "diff_ids": [empty["digest"]]}, "config": {},
                         "history": [{"created_by": "ai-interop olot adapter: empty base layer"}]}).encode()
    cd = put_blob(layout, config)
    manifest = json.dumps({"schemaVersion": 2, "mediaType": "application/vnd.oci.image.manifest.v1+json",
                           "config": {"mediaType": "application/vnd.oci.image.config.v1+json", **cd},
                           "layers": [{"mediaType": "application/vnd.oci.image.layer.v1.tar", **empty}]}).encode()
    md = put_blob(layout, manifest)
    # --add-modelpack needs a multi-arch layout: index.json → image index → manifest.
    inner = json.dumps({"schemaVersion": 2, "mediaType": "application/vnd.oci.image.index.v1+json",
                        "manifests": [{"mediaType": "application/vnd.oci.image.manifest.v1+json", **md,
                                       "platform": {"architecture": "amd64", "os": "linux"}}]}).encode()
    ixd = put_blob(layout, inner)
    with open(os.path.join(layout, "index.json"), "w") as f:
        json.dump({"schemaVersion": 2, "mediaType": "application/vnd.oci.image.index.v1+json",
                   "manifests": [{"mediaType": "application/vnd.oci.image.index.v1+json", **ixd}]}, f)


def pack(req):
    if req["kind"] != "model":
        return a.unsupported(f"olot cannot pack a {req['kind']}")
    layout, src = req["layout"], req["source"]
    base_layout(layout)
    files = sorted(os.path.join(r, n) for r, _, ns in os.walk(src) for n in ns)
    code, out = a.run([os.path.join(sys.prefix, "bin", "olot"), layout, "--add-modelpack", "--root-dir", src, *files])
    if code != 0:
        return a.error(f"olot exited {code}: {a.last_line(out)}")
    with open(os.path.join(layout, "index.json")) as f:
        index = json.load(f)
    modelpack = [m for m in index.get("manifests", [])
                 if (m.get("annotations") or {}).get("io.opendatahub.modelcar.manifest.type") == "modelpack"]
    if len(modelpack) != 1:
        return a.error(f"olot wrote {len(modelpack)} ModelPack manifests into index.json, expected 1")
    a.write_tag(layout, req["tag"], modelpack[0]["digest"])
    return a.ok(digest=modelpack[0]["digest"],
                message="olot cannot set manifest annotations; the requested ones were not passed on")


if __name__ == "__main__":
    a.serve(tool, {"pack": pack})
