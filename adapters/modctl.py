#!/usr/bin/env python3
"""ai-interop adapter for `modctl` (the ModelPack project's CLI; Go, built by .ci/go-tools.sh): a
packer, a runtime and a transport.

modctl keeps artifacts in its own storage (`--storage-dir`, kept inside the request's work
directory, as its logs are: modctl takes its defaults from the passwd home, not $HOME) and
speaks to registries; it never reads or writes an OCI image layout. So the adapter declares
`needsRegistry` and moves bytes between the protocol's layouts and the scratch registry itself,
byte for byte (every digest checked):
- pack: a Modelfile naming every file of the source tree (written in the work directory), then
  `modctl build --output-remote` into a fresh repository, copied into the layout;
- unpack: the layout staged into a fresh repository, then `modctl pull --extract-dir`;
- push: the layout staged into a fresh repository, `modctl pull` into modctl's storage, `modctl tag`
  to the requested reference, `modctl push`;
- pull: `modctl pull` of the reference, `modctl tag` to a fresh repository, `modctl push`, copied
  into the layout.
When the scratch registry will not hold a layout's artifact, modctl never sees it: `error` with
`"staged": false`."""

import os
import re

import aiinterop_adapter as a

WEIGHTS = (".safetensors", ".gguf", ".bin", ".pt", ".pth", ".onnx", ".ckpt", ".h5", ".pb")
CONFIGS = (".json", ".yaml", ".yml", ".txt", ".model")
DOCS = (".md", ".rst", ".pdf")


def modctl(req):
    """The command prefix: the pinned binary with its storage and logs in the work directory."""
    work = req["workDir"]
    return [a.go_tool("modctl"), "--storage-dir", os.path.join(work, "modctl"),
            "--log-dir", os.path.join(work, "modctl-logs"), "--no-progress"]


def version():
    code, out = a.run([a.go_tool("modctl"), "version"])
    m = re.search(r"Version:\s+v?(\S+)", out)
    return m.group(1) if code == 0 and m else "unknown"


def tool():
    return {
        "name": "modctl",
        "version": version(),
        "homepage": "https://github.com/modelpack/modctl",
        "roles": ["packer", "runtime", "transport"],
        # A model tool: it claims no other artifact kind (RUN-011).
        "artifactKinds": ["model"],
        "scope": "modctl builds, pushes, pulls and extracts ModelPack model artifacts; it has no mapping for the contract's agent skills, prompt templates or workflows",
        # reproducible: `modctl build --no-creation-time` is the tool's own switch for repeated
        # builds (no createdAt in the config); the suite checks the claim (PCK-005).
        "capabilities": ["pack-model", "reproducible", "unpack", "push", "pull"],
        "needsRegistry": True,
        "unsupported": {
            "pack-skill": "modctl builds ModelPack model artifacts from a Modelfile; it has no agent-skill artifact",
            "pack-prompt": "modctl builds ModelPack model artifacts from a Modelfile; it has no prompt-template artifact",
            "pack-workflow": "modctl builds ModelPack model artifacts from a Modelfile; it has no workflow artifact",
            "verify": "modctl has no command that checks an artifact without pulling it",
            "verify-signatures": "modctl verifies no signatures when it pulls or extracts",
        },
    }


def modelfile(source):
    """One Modelfile line per regular file of the tree: weights MODEL, JSON/YAML/text CONFIG,
    Markdown DOC, the rest CODE; NAME the tree's directory name."""
    lines = [f"NAME {os.path.basename(source.rstrip('/'))}"]
    for root, dirs, files in os.walk(source):
        dirs.sort()
        for n in sorted(files):
            rel = os.path.relpath(os.path.join(root, n), source)
            low = n.lower()
            cmd = ("MODEL" if low.endswith(WEIGHTS) else "CONFIG" if low.endswith(CONFIGS)
                   else "DOC" if low.endswith(DOCS) else "CODE")
            lines.append(f"{cmd} {rel}")
    return "\n".join(lines) + "\n"


def no_registry():
    return a.error("modctl speaks to registries and its own storage, not OCI image layouts, and the request "
                   "names no scratch `registry`")


def plain(req):
    return ["--plain-http"] if (req.get("registry") or {}).get("plainHttp", req.get("plainHttp")) else []


def stage(req, base, what):
    """The layout's artifact in a fresh repository of the scratch registry: (repository, error reply)."""
    repository = a.scratch_repository(f"modctl-{what}")
    try:
        a.layout_to_registry(req["layout"], req["tag"], base, repository)
    except a.RegistryError as e:
        return None, {"status": "error", "staged": False,
                      "message": f"the scratch registry would not hold the artifact, so modctl never saw it: {e}"}
    return repository, None


def pack(req):
    if req["kind"] != "model":
        return a.unsupported(f"modctl cannot pack a {req['kind']}")
    reg = a.scratch(req)
    if reg is None:
        return no_registry()
    base, host = reg
    path = os.path.join(req["workDir"], "Modelfile")
    with open(path, "w") as f:
        f.write(modelfile(req["source"]))
    repository = a.scratch_repository("modctl-pack")
    ref = f"{host}/{repository}:{req['tag']}"
    code, out = a.run([*modctl(req), "build", "-f", path, "-t", ref, "--output-remote", *plain(req),
                       "--no-creation-time", req["source"]], cwd=req["workDir"], env=a.tool_env(req))
    if code != 0:
        return a.error(f"modctl build exited {code}: {a.last_line(out)}")
    try:
        digest = a.registry_to_layout(base, repository, req["tag"], req["layout"], req["tag"])
    except a.RegistryError as e:
        return a.error(f"copying what modctl built into the layout: {e}")
    return a.ok(digest=digest, message=f"modctl built {ref}; copied byte for byte into the layout; "
                                       "modctl has no way to set manifest annotations, the requested ones were not passed on")


def unpack(req):
    reg = a.scratch(req)
    if reg is None:
        return no_registry()
    base, host = reg
    repository, problem = stage(req, base, "unpack")
    if problem:
        return problem
    code, out = a.run([*modctl(req), "pull", *plain(req), "--extract-dir", req["destination"],
                       f"{host}/{repository}:{req['tag']}"], cwd=req["workDir"], env=a.tool_env(req))
    if code != 0:
        # What modctl leaves behind is its doing, and the suite judges it: no cleanup here.
        return a.refused(code, f"modctl pull exited {code}: {a.last_line(out)}")
    return a.ok()


def push(req):
    reg = a.scratch(req)
    if reg is None:
        return no_registry()
    base, host = reg
    repository, problem = stage(req, base, "push")
    if problem:
        return problem
    staged = f"{host}/{repository}:{req['tag']}"
    for argv, what in [(["pull", *plain(req), staged], "pull"), (["tag", staged, req["reference"]], "tag"),
                       (["push", *plain(req), req["reference"]], "push")]:
        code, out = a.run([*modctl(req), *argv], cwd=req["workDir"], env=a.tool_env(req))
        if code != 0:
            return a.error(f"modctl {what} exited {code}: {a.last_line(out)}")
    return a.ok()


def pull(req):
    reg = a.scratch(req)
    if reg is None:
        return no_registry()
    base, host = reg
    repository = a.scratch_repository("modctl-pull")
    out_ref = f"{host}/{repository}:{req['tag']}"
    for argv, what in [(["pull", *plain(req), req["reference"]], "pull"), (["tag", req["reference"], out_ref], "tag"),
                       (["push", *plain(req), out_ref], "push")]:
        code, out = a.run([*modctl(req), *argv], cwd=req["workDir"], env=a.tool_env(req))
        if code != 0:
            return a.error(f"modctl {what} exited {code}: {a.last_line(out)}")
    try:
        digest = a.registry_to_layout(base, repository, req["tag"], req["layout"], req["tag"])
    except a.RegistryError as e:
        return a.error(f"copying what modctl pushed into the layout: {e}")
    return a.ok(digest=digest)


if __name__ == "__main__":
    a.serve(tool, {"pack": pack, "unpack": unpack, "push": push, "pull": pull})
