#!/usr/bin/env python3
"""ai-interop adapter for skopeo (apt): a transport between OCI image layouts and registries.

Runs skopeo the way its documentation shows (`skopeo copy oci:… docker://…`), without
`--preserve-digests`, so the report shows what a default copy does to an AI artifact."""

import re

import aiinterop_adapter as a


def version():
    code, out = a.run(["skopeo", "--version"])
    m = re.search(r"version (\S+)", out)
    return m.group(1) if code == 0 and m else "unknown"


def tool():
    return {
        "name": "skopeo",
        "version": version(),
        "homepage": "https://github.com/containers/skopeo",
        "roles": ["transport"],
        "capabilities": ["push", "pull"],
        "unsupported": {
            "pack-model": "skopeo copies images; it does not build artifacts from files",
            "unpack": "skopeo copies images; it does not extract their files",
            "verify": "skopeo has no verification of artifact content beyond digests",
        },
    }


def tls(req, flag):
    return [f"--{flag}-tls-verify=false"] if req["plainHttp"] else []


def push(req):
    code, out = a.run(["skopeo", "copy", *tls(req, "dest"),
                       f"oci:{req['layout']}:{req['tag']}", f"docker://{req['reference']}"])
    return a.ok() if code == 0 else a.error(f"skopeo copy exited {code}: {a.last_line(out)}")


def pull(req):
    code, out = a.run(["skopeo", "copy", *tls(req, "src"),
                       f"docker://{req['reference']}", f"oci:{req['layout']}:{req['tag']}"])
    return a.ok() if code == 0 else a.error(f"skopeo copy exited {code}: {a.last_line(out)}")


if __name__ == "__main__":
    a.serve(tool, {"push": push, "pull": pull})
