#!/usr/bin/env python3
"""ai-interop adapter for the suite's own reference implementation: `ai-interop pack`,
`verify` and `unpack` (a packer and a runtime). The binary is $AI_INTEROP_BIN, else the newer
of the repository's target/release and target/debug builds, else `ai-interop` on PATH."""

import os
import re
import shutil

import aiinterop_adapter as a


def binary():
    if os.environ.get("AI_INTEROP_BIN"):
        return os.environ["AI_INTEROP_BIN"]
    builds = [os.path.join(a.HERE, "..", "target", p, "ai-interop") for p in ("release", "debug")]
    builds = [b for b in builds if os.path.exists(b)]
    if builds:  # the newer build: a stale release binary must not stand in for today's code
        return os.path.abspath(max(builds, key=os.path.getmtime))
    return shutil.which("ai-interop") or "ai-interop"


def tool():
    code, out = a.run([binary(), "--version"])
    m = re.search(r"ai-interop (\S+)", out)
    return {
        "name": "ai-interop",
        "version": m.group(1) if code == 0 and m else "unknown",
        "homepage": "https://github.com/cncf/ai-interop",
        "roles": ["packer", "runtime"],
        "artifactKinds": ["model", "skill", "prompt", "workflow"],
        "capabilities": ["pack-model", "pack-skill", "pack-prompt", "pack-workflow", "reproducible",
                         "verify", "unpack", "verify-signatures"],
        "unsupported": {
            "push": "the reference implementation pushes (`ai-interop push`) but has no pull into a layout",
            "pull": "the reference implementation has no pull into a layout; `unpack` reads registries directly",
        },
    }


def source_arg(req):
    """A model or skill is a directory; a prompt or workflow is the one file in the source."""
    src = req["source"]
    if req["kind"] in ("prompt", "workflow"):
        files = [os.path.join(src, n) for n in sorted(os.listdir(src))]
        if len(files) == 1 and os.path.isfile(files[0]):
            return files[0]
    if req["kind"] == "skill":
        dirs = [os.path.join(src, n) for n in sorted(os.listdir(src))]
        if len(dirs) == 1 and os.path.isdir(dirs[0]):
            return dirs[0]
    return src


def pack(req):
    argv = [binary(), "pack", source_arg(req), f"oci:{req['layout']}:{req['tag']}", "--kind", req["kind"]]
    for k, v in sorted(req["annotations"].items()):
        argv += ["--annotation", f"{k}={v}"]
    code, out = a.run(argv)
    if code != 0:
        return a.error(f"ai-interop pack exited {code}: {a.last_line(out)}")
    desc = a.tagged(req["layout"], req["tag"])
    return a.ok(digest=desc["digest"]) if desc else a.ok()


def policy_args(req):
    """A signature policy in the request (`policy`, `keys`): the gate becomes the `trusted`
    profile under those trust inputs, which refuses an artifact without a signature of its
    manifest that verifies (SIG-001, SIG-004). The reference is stricter than a signature check
    alone: the whole trusted profile must hold. The target is a local layout: nothing to fetch."""
    if "policy" not in req:
        return []
    argv = ["--profile", "trusted", "--offline", "--policy", req["policy"]]
    for key in req.get("keys", []):
        argv += ["--key", key]
    return argv


def verify(req):
    code, out = a.run([binary(), "verify", f"oci:{req['layout']}:{req['tag']}"] + policy_args(req))
    return a.ok() if code == 0 else a.refused(code, f"ai-interop verify exited {code}: {a.last_line(out)}")


def unpack(req):
    # `ai-interop unpack` records what it wrote beside its destination (so that an init
    # container's second run verifies instead of rewriting). The protocol lets a runtime write
    # only inside the destination it names, so the tree is unpacked in the work directory, where
    # the record may stay, and then renamed onto the (absent or empty) destination.
    dest = req["destination"]
    staged = os.path.join(req["workDir"], "unpacked", os.path.basename(dest.rstrip("/")) or "dest")
    code, out = a.run([binary(), "unpack", f"oci:{req['layout']}:{req['tag']}", staged]
                      + policy_args(req))
    if code != 0:
        return a.refused(code, f"ai-interop unpack exited {code}: {a.last_line(out)}")
    if os.path.isdir(dest) and not os.path.islink(dest):
        os.rmdir(dest)  # the protocol hands an absent or empty destination
    os.rename(staged, dest)
    return a.ok()


if __name__ == "__main__":
    a.serve(tool, {"pack": pack, "verify": verify, "unpack": unpack})
