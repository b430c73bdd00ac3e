#!/usr/bin/env python3
"""ai-interop adapter for umoci (apt): a runtime that unpacks an image from an OCI layout.

`umoci raw unpack --image <layout>:<tag> <rootfs>` writes the image's root filesystem; the
adapter asks it to write straight into the destination."""

import os
import re
import shutil

import aiinterop_adapter as a


def version():
    code, out = a.run(["umoci", "--version"])
    m = re.search(r"version (\S+)", out)
    return m.group(1) if code == 0 and m else "unknown"


def tool():
    return {
        "name": "umoci",
        "version": version(),
        "homepage": "https://github.com/opencontainers/umoci",
        "roles": ["runtime"],
        # umoci unpacks container images. The OCI image spec tells an implementation not to
        # parse a config media type it does not know, so refusing an AI artifact's config is
        # right: it claims no AI artifact kind (RUN-011), and the suite judges it on none.
        "artifactKinds": [],
        "scope": "umoci unpacks OCI container images (config media type application/vnd.oci.image.config.v1+json) into a root filesystem; the OCI image spec tells it not to parse a config media type it does not know, so AI artifacts are outside its scope",
        "capabilities": ["unpack"],
        "unsupported": {
            "verify": "umoci has no verify command; it checks digests while it unpacks",
            "push": "umoci works on local OCI layouts only",
            "pull": "umoci works on local OCI layouts only",
            "verify-signatures": "umoci verifies no signatures; it unpacks whatever image the layout names",
        },
    }


def unpack(req):
    dest = req["destination"]
    code, out = a.run(["umoci", "raw", "unpack", "--image", f"{req['layout']}:{req['tag']}", dest])
    if code != 0:
        # umoci may leave a half-written rootfs; what it leaves is the tool's doing, and the
        # suite judges it, so the adapter does not clean up after it.
        return a.refused(code, f"umoci raw unpack exited {code}: {a.last_line(out)}")
    return a.ok()


if __name__ == "__main__":
    a.serve(tool, {"unpack": unpack})
