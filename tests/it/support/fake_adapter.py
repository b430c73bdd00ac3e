#!/usr/bin/env python3
"""A broken-on-purpose adapter for the protocol tests. FAKE_MODE picks the fault:
hang, flood, garbage, midreply, two, invalid, outside, liar (claims everything, does nothing),
refuser (a runtime that refuses every artifact, good or bad, and writes nothing),
secret (leaks a credential on stderr), registry-only (needs a scratch registry that never holds
anything), describe (a well-behaved describe only)."""
import json
import os
import subprocess
import sys
import time

P = "ai-interop.dev/adapter/v1"
mode = os.environ.get("FAKE_MODE", "describe")
req = json.load(sys.stdin)
out = sys.stdout


def reply(doc):
    doc["protocol"] = P
    out.write(json.dumps(doc) + "\n")
    out.flush()


TOOL = {"name": "fake", "version": "0.0.1", "roles": ["packer", "transport", "runtime"], "artifactKinds": ["model", "skill", "prompt", "workflow"],
        "capabilities": ["pack-model", "push", "pull", "unpack"]}

if mode == "hang":
    # A child in the same process group: the kill on timeout must take it too.
    subprocess.Popen(["sleep", "300"])
    time.sleep(300)
elif mode == "flood":
    chunk = "x" * 65536
    while True:
        out.write(chunk)
elif mode == "garbage":
    out.write("this is not JSON\n")
elif mode == "midreply":
    out.write('{"protocol": "ai-interop.dev/adapter/v1", "sta')
    out.flush()
    os._exit(3)
elif mode == "two":
    reply({"status": "ok", "tool": TOOL})
    reply({"status": "ok", "tool": TOOL})
elif mode == "invalid":
    reply({"status": "maybe"})
elif mode == "secret":
    sys.stderr.write("Authorization: Bearer abcdefghijklmnop0123 and https://alice:hunter2pw@example.org/v2/\n")
    reply({"status": "ok", "tool": TOOL})
elif mode == "outside":
    with open(os.path.join(req["workDir"], "..", "..", "escaped.txt"), "w") as f:
        f.write("written outside the work directory\n")
    reply({"status": "ok", "tool": TOOL})
elif mode == "refuser":
    if req["command"] == "describe":
        reply({"status": "ok", "tool": dict(TOOL, capabilities=TOOL["capabilities"] + ["verify-signatures"])})
    else:
        reply({"status": "refused", "exitCode": 1, "message": "refusing everything"})
elif mode == "registry-only":
    # A tool that speaks only to registries, and whose scratch registry never holds anything:
    # every request but describe needs `registry`, and every artifact stays unstaged.
    if req["command"] == "describe":
        reply({"status": "ok", "tool": dict(TOOL, needsRegistry=True)})
    elif "registry" not in req:
        reply({"status": "error", "message": "asked without a scratch registry"})
    else:
        reply({"status": "error", "staged": False,
               "message": f"the scratch registry {req['registry']['url']} would not hold the artifact"})
elif mode == "liar":
    # Says ok to everything and does nothing at all.
    reply({"status": "ok", "tool": TOOL})
else:
    reply({"status": "ok", "tool": TOOL})
