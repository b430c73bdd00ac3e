#!/usr/bin/env python3
"""ai-interop adapter for the ORAS CLI (`oras`, Go, built by .ci/go-tools.sh): a transport between
OCI image layouts and registries.

`oras cp` reads and writes OCI image layouts itself (`--from-oci-layout`, `--to-oci-layout`) and
copies the manifest as bytes, never re-serialized; `-r` copies the artifact's referrers with it
(signatures, SBOMs, provenance listed in the layout or by the registry), which is how an AI
artifact moves with its evidence. The file is named oras-cli.py, not oras.py, so that it never
shadows the `oras` Python package that oras-py.py imports from the same directory."""

import os
import re

import aiinterop_adapter as a


def oras():
    """The pinned binary in target/tools/bin ($AI_INTEROP_TOOLS_BIN), else `oras` on PATH."""
    return a.go_tool("oras")


def version():
    code, out = a.run([oras(), "version"])
    m = re.search(r"Version:\s+(\S+)", out)
    return m.group(1) if code == 0 and m else "unknown"


def tool():
    return {
        "name": "oras",
        "version": version(),
        "homepage": "https://github.com/oras-project/oras",
        "roles": ["transport"],
        "capabilities": ["push", "pull"],
        "unsupported": {
            "unpack": "oras pull writes only layers named by org.opencontainers.image.title and skips the "
                      "others; it has no mapping for org.cncf.model.filepath, so it does not place the files "
                      "of these artifacts",
            "verify": "oras has no command that decides whether to accept an artifact",
            "pack-model": "not run here: oras push files a directory under org.opencontainers.image.title and "
                          "writes no ModelPack config; building the contract's layers is left to packers",
        },
    }


def plain(req, side):
    return [f"--{side}-plain-http"] if req["plainHttp"] else []


def push(req):
    code, out = a.run([oras(), "cp", "-r", "--no-tty", "--from-oci-layout", *plain(req, "to"),
                       f"{req['layout']}:{req['tag']}", req["reference"]], env=a.tool_env(req))
    return a.ok() if code == 0 else a.error(f"oras cp exited {code}: {a.last_line(out)}")


def pull(req):
    code, out = a.run([oras(), "cp", "-r", "--no-tty", *plain(req, "from"), "--to-oci-layout",
                       req["reference"], f"{req['layout']}:{req['tag']}"], env=a.tool_env(req))
    if code != 0:
        return a.error(f"oras cp exited {code}: {a.last_line(out)}")
    desc = a.tagged(req["layout"], req["tag"])
    return a.ok(digest=desc["digest"]) if desc else a.ok()


if __name__ == "__main__":
    a.serve(tool, {"push": push, "pull": pull})
