"""The adapter side of the ai-interop adapter protocol v1 (spec/v1.0/adapters.md).

One request on stdin, one reply on stdout. Requests are validated against the repository's
schemas/v1.0/adapter-request.schema.json when the `jsonschema` package is importable (it is in
the tools venv). Tool output goes to stderr, which the suite keeps (redacted) as evidence.
Standard library only, so that adapters for apt tools run on the system Python.
"""

import json
import os
import subprocess
import sys
import traceback

PROTOCOL = "ai-interop.dev/adapter/v1"
HERE = os.path.dirname(os.path.abspath(__file__))
SCHEMAS = os.path.join(HERE, "..", "schemas", "v1.0")


def tools_venv():
    """The venv holding the pip tools: $AI_INTEROP_TOOLS_VENV, else target/tools-venv."""
    return os.environ.get("AI_INTEROP_TOOLS_VENV") or os.path.join(HERE, "..", "target", "tools-venv")


def reexec_in_venv():
    """Run this script again under the tools venv's Python unless it already runs there."""
    venv = os.path.abspath(tools_venv())
    if os.path.abspath(sys.prefix) == venv:
        return
    python = os.path.join(venv, "bin", "python")
    if not os.path.exists(python):
        reply({"status": "error", "message": f"the tools venv {venv} does not exist (bash .ci/tools.sh creates it)"})
        sys.exit(0)
    os.execv(python, [python, os.path.abspath(sys.argv[0])] + sys.argv[1:])


def reply(doc):
    doc = dict(doc)
    doc["protocol"] = PROTOCOL
    if "message" in doc:
        doc["message"] = str(doc["message"])[-3900:]
    sys.stdout.write(json.dumps(doc) + "\n")
    sys.stdout.flush()


def validate(request):
    try:
        import jsonschema  # noqa: PLC0415 - optional
    except ImportError:
        return None
    with open(os.path.join(SCHEMAS, "adapter-request.schema.json")) as f:
        schema = json.load(f)
    errors = sorted(jsonschema.Draft202012Validator(schema).iter_errors(request), key=str)
    return "; ".join(e.message for e in errors[:3]) or None


def log(*parts):
    print(*parts, file=sys.stderr, flush=True)


def run(argv, cwd=None, env=None):
    """Run a tool; its output goes to stderr; returns (exit code, stdout text)."""
    log("$", " ".join(argv))
    p = subprocess.run(argv, cwd=cwd, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    if p.stdout:
        log(p.stdout.rstrip()[-4000:])
    if p.stderr:
        log(p.stderr.rstrip()[-4000:])
    return p.returncode, p.stdout + p.stderr


def ok(**extra):
    return {"status": "ok", **extra}


def refused(code, message):
    return {"status": "refused", "exitCode": code if code != 0 else 1, "message": message}


def unsupported(message):
    return {"status": "unsupported", "message": message}


def error(message):
    return {"status": "error", "message": message}


def serve(tool, handlers):
    """Read the request, validate it, dispatch to handlers[command], reply.

    `tool` is a function returning the describe reply's `tool` object."""
    try:
        request = json.load(sys.stdin)
    except ValueError as e:
        reply(error(f"the request is not JSON: {e}"))
        return
    problem = validate(request)
    if problem:
        reply(error(f"invalid request: {problem}"))
        return
    command = request.get("command")
    try:
        if command == "describe":
            reply(ok(tool=tool()))
            return
        handler = handlers.get(command)
        if handler is None:
            reply(unsupported(f"this adapter does not implement `{command}`"))
            return
        reply(handler(request))
    except Exception as e:  # an adapter defect: report it, never hide it
        traceback.print_exc()
        reply(error(f"{type(e).__name__}: {e}"))


def write_tag(layout, tag, digest):
    """Name `digest` in the layout's index.json with `tag` (org.opencontainers.image.ref.name)."""
    path = os.path.join(layout, "index.json")
    with open(path) as f:
        index = json.load(f)
    for m in index.get("manifests", []):
        if m.get("digest") == digest:
            m.setdefault("annotations", {})["org.opencontainers.image.ref.name"] = tag
    with open(path, "w") as f:
        json.dump(index, f, indent=2)


def tagged(layout, tag):
    """The manifest descriptor tagged `tag` in a layout, or None."""
    with open(os.path.join(layout, "index.json")) as f:
        index = json.load(f)
    for m in index.get("manifests", []):
        if (m.get("annotations") or {}).get("org.opencontainers.image.ref.name") == tag:
            return m
    return None


def last_line(text):
    """A tool's final word (the full output is on stderr)."""
    lines = [l for l in text.strip().splitlines() if l.strip()]
    return lines[-1][-600:] if lines else ""
