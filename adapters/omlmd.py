#!/usr/bin/env python3
"""ai-interop adapter for omlmd (pip, "OCI Artifact for ML model & metadata"): a packer and a
runtime that speak only to registries. `omlmd push <ref> <path> --metadata <file>` pushes one
path (a directory is stored as one gzipped tar layer) with its metadata; `omlmd pull <ref> -o
<dir>` writes each layer to <dir>/<its org.opencontainers.image.title>.

The protocol hands tools OCI image layouts, so the adapter declares `needsRegistry` and works
through the scratch registry the suite names in the request (`registry`):
- pack: omlmd pushes the source to a fresh repository there; the adapter then copies the
  manifest and its blobs byte for byte into the requested layout (Distribution API GETs, each
  digest checked);
- unpack: the adapter puts the layout's manifest and blobs byte for byte into a fresh repository
  (Distribution API PUTs), then omlmd pulls into the destination. When the registry will not
  hold the artifact (a conformant registry refuses a blob whose bytes do not match its digest),
  omlmd never sees it: the reply is `error` with `"staged": false`."""

import json
import os
import shutil
import sys

import aiinterop_adapter as a

a.reexec_in_venv()


def tool():
    from importlib.metadata import version
    return {
        "name": "omlmd",
        "version": version("omlmd"),
        "homepage": "https://github.com/containers/omlmd",
        "roles": ["packer", "runtime"],
        # omlmd is for ML models and their metadata: it claims no other kind (RUN-011).
        "artifactKinds": ["model"],
        "scope": "omlmd pushes and pulls ML models with their model metadata; it has no mapping for agent skills, prompt templates or workflows",
        # reproducible: oras-py, which omlmd pushes with, tars a directory with every mtime 0
        # into a gzip stream without a time stamp, and the manifest carries no time: the suite
        # checks the claim (PCK-005).
        "capabilities": ["pack-model", "reproducible", "unpack"],
        "needsRegistry": True,
        "unsupported": {
            "pack-skill": "omlmd pushes an ML model with its model metadata; it has no agent-skill mapping",
            "pack-prompt": "omlmd pushes an ML model with its model metadata; it has no prompt-template mapping",
            "pack-workflow": "omlmd pushes an ML model with its model metadata; it has no workflow mapping",
            "verify": "omlmd has no command that checks an artifact without pulling its files",
            "push": "omlmd push builds a new artifact from files; it cannot copy an existing artifact",
            "pull": "omlmd pull writes the layers' files into a directory, not an OCI image layout",
        },
    }


def omlmd():
    return os.path.join(sys.prefix, "bin", "omlmd")


def no_registry():
    return a.error("omlmd speaks only to registries, and the request names no scratch `registry`")


def pack(req):
    if req["kind"] != "model":
        return a.unsupported(f"omlmd cannot pack a {req['kind']}")
    reg = a.scratch(req)
    if reg is None:
        return no_registry()
    base, host = reg
    # omlmd writes model_metadata.omlmd.json and .yaml beside the path it pushes (and refuses
    # when they exist), and oras-py refuses paths outside the current directory: so the source
    # is staged inside the work directory, under its own name.
    stage = os.path.join(req["workDir"], "stage")
    path = os.path.join(stage, os.path.basename(req["source"].rstrip("/")))
    shutil.copytree(req["source"], path, symlinks=True)
    # The requested manifest annotations, as omlmd takes metadata: a JSON or YAML mapping.
    metadata = os.path.join(req["workDir"], "metadata.json")
    with open(metadata, "w") as f:
        json.dump(req["annotations"], f, indent=2, sort_keys=True)
    repository = a.scratch_repository("omlmd-pack")
    ref = f"{host}/{repository}:{req['tag']}"
    plain = ["--plain-http"] if req["registry"]["plainHttp"] else []
    code, out = a.run([omlmd(), "push", *plain, ref, path, "--metadata", metadata], cwd=stage)
    if code != 0:
        return a.error(f"omlmd push exited {code}: {a.last_line(out)}")
    try:
        digest = a.registry_to_layout(base, repository, req["tag"], req["layout"], req["tag"])
    except a.RegistryError as e:
        return a.error(f"copying what omlmd pushed into the layout: {e}")
    return a.ok(digest=digest, message=f"omlmd pushed {ref}; copied byte for byte into the layout")


def unpack(req):
    reg = a.scratch(req)
    if reg is None:
        return no_registry()
    base, host = reg
    repository = a.scratch_repository("omlmd-unpack")
    try:
        a.layout_to_registry(req["layout"], req["tag"], base, repository)
    except a.RegistryError as e:
        return {"status": "error", "staged": False,
                "message": f"the scratch registry would not hold the artifact, so omlmd never saw it: {e}"}
    plain = ["--plain-http"] if req["registry"]["plainHttp"] else []
    code, out = a.run([omlmd(), "pull", *plain, f"{host}/{repository}:{req['tag']}", "-o", req["destination"]])
    if code != 0:
        # What omlmd leaves behind is its doing, and the suite judges it: no cleanup here.
        return a.refused(code, f"omlmd pull exited {code}: {a.last_line(out)}")
    return a.ok()


if __name__ == "__main__":
    a.serve(tool, {"pack": pack, "unpack": unpack})
