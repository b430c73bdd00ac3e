#!/usr/bin/env python3
"""ai-interop adapter for KitOps `kit` (Go, built by .ci/go-tools.sh): a packer and a runtime.

`kit pack <dir> -f <Kitfile> -t <ref>` packs the paths a Kitfile names into kit's local storage
($KITOPS_HOME, kept inside the request's work directory); with `--use-model-pack` (this adapter's
`--model-pack` argument, adapters/kit-modelpack.json) it writes a ModelPack manifest instead of a
ModelKit. `kit unpack <ref> -d <dir>` writes an artifact's files. kit reads and writes registries
and its own storage, never an OCI image layout, so the adapter declares `needsRegistry`:
- pack: the adapter writes a Kitfile for the source tree (in the work directory: the source
  stays untouched), kit packs and pushes to a fresh repository of the scratch registry, and the
  adapter copies the manifest and its blobs byte for byte into the requested layout;
- unpack: the adapter puts the layout's manifest and blobs byte for byte into a fresh repository
  and kit unpacks from there. When the registry will not hold the artifact, kit never sees it:
  `error` with `"staged": false`."""

import os
import re
import sys

import aiinterop_adapter as a

MODEL_PACK = "--model-pack" in sys.argv[1:]
WEIGHTS = (".safetensors", ".gguf", ".bin", ".pt", ".pth", ".onnx", ".ckpt", ".h5", ".pb")
CONFIGS = (".json", ".yaml", ".yml", ".txt")


def kit():
    return a.go_tool("kit")


def version():
    code, out = a.run([kit(), "version"])
    m = re.search(r"Version:\s+(\S+)", out)
    return m.group(1) if code == 0 and m else "unknown"


def tool():
    fmt = "ModelPack (--use-model-pack)" if MODEL_PACK else "ModelKit"
    return {
        "name": "kit-modelpack" if MODEL_PACK else "kit",
        "version": version(),
        "homepage": "https://github.com/kitops-ml/kitops",
        "roles": ["packer", "runtime"],
        # A model tool: it claims no other artifact kind (RUN-011).
        "artifactKinds": ["model"],
        "scope": "kit packs and unpacks ModelKits and ModelPack model artifacts; it has no mapping for the contract's agent skills, prompt templates or workflows",
        "capabilities": ["pack-model", "unpack"],
        "needsRegistry": True,
        "unsupported": {
            "pack-skill": f"kit packs a Kitfile's model, datasets, code, docs and prompts as a {fmt}; "
                          "it has no agent-skill artifact",
            "pack-prompt": f"kit packs prompt files as code layers of a {fmt}, not as a prompt-template artifact",
            "pack-workflow": f"kit packs a Kitfile's paths as a {fmt}; it has no workflow artifact",
            "reproducible": "not claimed: kit stamps org.opencontainers.image.created with the pack time",
            "verify": "kit has no command that checks an artifact without unpacking it",
            "verify-signatures": "kit verifies no signatures when it unpacks",
            "push": "kit push copies from kit's own storage; kit cannot read an OCI image layout",
            "pull": "kit pull writes kit's own storage; kit cannot write an OCI image layout",
        },
    }


def env(req):
    return a.tool_env(req, KITOPS_HOME=os.path.join(req["workDir"], "kitops"))


def kitfile(source):
    """A Kitfile naming every top-level entry of the source tree: weights as the model (the
    first) and its parts, other JSON/YAML/text files as model parts (kit's `weight.config`),
    Markdown as docs, directories and the rest as code."""
    model, parts, docs, code = None, [], [], []
    for name in sorted(os.listdir(source)):
        lower = name.lower()
        if os.path.isfile(os.path.join(source, name)) and lower.endswith(WEIGHTS):
            if model is None:
                model = name
            else:
                parts.append(name)
        elif os.path.isfile(os.path.join(source, name)) and lower.endswith(CONFIGS):
            parts.append(name)
        elif lower.endswith(".md"):
            docs.append(name)
        else:
            code.append(name)
    q = lambda s: '"' + s.replace("\\", "\\\\").replace('"', '\\"') + '"'  # noqa: E731
    lines = ['manifestVersion: "1.0"', "package:", f"  name: {q(os.path.basename(source.rstrip('/')))}"]
    if model or parts:
        lines += ["model:", f"  name: {q(model or parts[0])}", f"  path: {q(model or parts.pop(0))}"]
        if parts:
            lines += ["  parts:"] + [f"    - path: {q(p)}" for p in parts]
    if code:
        lines += ["code:"] + [f"  - path: {q(p)}" for p in code]
    if docs:
        lines += ["docs:"] + [f"  - path: {q(p)}" for p in docs]
    return "\n".join(lines) + "\n"


def no_registry():
    return a.error("kit reads and writes registries and its own storage, not OCI image layouts, and the "
                   "request names no scratch `registry`")


def plain(req):
    return ["--plain-http"] if req["registry"]["plainHttp"] else []


def pack(req):
    if req["kind"] != "model":
        return a.unsupported(f"kit cannot pack a {req['kind']}")
    reg = a.scratch(req)
    if reg is None:
        return no_registry()
    base, host = reg
    path = os.path.join(req["workDir"], "Kitfile")
    with open(path, "w") as f:
        f.write(kitfile(req["source"]))
    repository = a.scratch_repository("kit-pack")
    ref = f"{host}/{repository}:{req['tag']}"
    mp = ["--use-model-pack"] if MODEL_PACK else []
    code, out = a.run([kit(), "pack", req["source"], "-f", path, "-t", ref, *mp], cwd=req["workDir"], env=env(req))
    if code != 0:
        return a.error(f"kit pack exited {code}: {a.last_line(out)}")
    code, out = a.run([kit(), "push", *plain(req), ref], cwd=req["workDir"], env=env(req))
    if code != 0:
        return a.error(f"kit push exited {code}: {a.last_line(out)}")
    try:
        digest = a.registry_to_layout(base, repository, req["tag"], req["layout"], req["tag"])
    except a.RegistryError as e:
        return a.error(f"copying what kit pushed into the layout: {e}")
    return a.ok(digest=digest, message=f"kit packed and pushed {ref}; copied byte for byte into the layout; "
                                       "kit has no way to set manifest annotations, the requested ones were not passed on")


# Every content type `kit unpack --filter` knows except `kitfile`: kit would otherwise write its
# own Kitfile (a file the artifact does not carry as a layer) beside the artifact's files.
CONTENT = ["--filter=model", "--filter=datasets", "--filter=code", "--filter=docs", "--filter=prompts"]


def unpack(req):
    reg = a.scratch(req)
    if reg is None:
        return no_registry()
    base, host = reg
    repository = a.scratch_repository("kit-unpack")
    try:
        a.layout_to_registry(req["layout"], req["tag"], base, repository)
    except a.RegistryError as e:
        return {"status": "error", "staged": False,
                "message": f"the scratch registry would not hold the artifact, so kit never saw it: {e}"}
    code, out = a.run([kit(), "unpack", *plain(req), f"{host}/{repository}:{req['tag']}", "-d", req["destination"],
                       *CONTENT], cwd=req["workDir"], env=env(req))
    if code != 0:
        # What kit leaves behind is its doing, and the suite judges it: no cleanup here.
        return a.refused(code, f"kit unpack exited {code}: {a.last_line(out)}")
    return a.ok()


if __name__ == "__main__":
    a.serve(tool, {"pack": pack, "unpack": unpack})
