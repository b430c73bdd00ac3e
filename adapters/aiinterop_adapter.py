"""The adapter side of the ai-interop adapter protocol v1 (spec/v1.0/adapters.md).

One request on stdin, one reply on stdout. Requests are validated against the repository's
schemas/v1.0/adapter-request.schema.json when the `jsonschema` package is importable (it is in
the tools venv). Tool output goes to stderr, which the suite keeps (redacted) as evidence.
Standard library only, so that adapters for apt tools run on the system Python.
"""

import hashlib
import json
import os
import subprocess
import sys
import traceback
import urllib.error
import urllib.parse
import urllib.request

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


def validate(document, schema_file="adapter-request.schema.json"):
    try:
        import jsonschema  # noqa: PLC0415 - optional
    except ImportError:
        return None
    path = os.path.join(SCHEMAS, schema_file)
    if not os.path.exists(path):
        # An adapter copied out of a checkout: the suite validated the request already.
        log(f"note: {path} is absent (adapter outside a checkout); document not re-validated here")
        return None
    with open(path) as f:
        schema = json.load(f)
    errors = sorted(jsonschema.Draft202012Validator(schema).iter_errors(document), key=str)
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
            # The describe reply is the adapter's claim (roles, capabilities, scope): check it
            # against the reply schema here too, so a malformed claim is the adapter's error.
            described = ok(tool=tool(), protocol=PROTOCOL)
            problem = validate(described, "adapter-reply.schema.json")
            reply(error(f"invalid describe reply: {problem}") if problem else described)
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


# A scratch registry, for tools that only push to and pull from registries. The suite names one
# in the request field `registry` ({"url": "http://127.0.0.1:PORT", "plainHttp": true}) when the
# adapter's describe reply says `needsRegistry`. These helpers move an artifact between an OCI
# image layout and that registry with plain Distribution API requests, byte for byte: the
# manifest's bytes are never re-serialized, and every blob is hashed while it streams.

MANIFEST_ACCEPT = ", ".join([
    "application/vnd.oci.image.manifest.v1+json",
    "application/vnd.oci.image.index.v1+json",
    "application/vnd.docker.distribution.manifest.v2+json",
])
CHUNK = 1 << 20
# Seconds one registry request may take: the request's own timeout (`timeoutMs`), set by scratch().
HTTP_TIMEOUT = 120


class RegistryError(Exception):
    """The scratch registry refused a request, or answered something that does not add up."""


def scratch(req):
    """(base URL, host) of the request's scratch registry, or None when the suite gave none."""
    global HTTP_TIMEOUT
    HTTP_TIMEOUT = max(1, req.get("timeoutMs", 120_000) // 1000)
    r = req.get("registry")
    if not r:
        return None
    base = r["url"].rstrip("/")
    return base, urllib.parse.urlsplit(base).netloc


def scratch_repository(tool):
    """A repository no other request uses."""
    return f"ai-interop-scratch/{tool}-{os.urandom(8).hex()}"


def _http(method, url, data=None, headers=None):
    """One request; returns (status, headers, response). A non-2xx answer raises RegistryError."""
    request = urllib.request.Request(url, data=data, method=method, headers=headers or {})
    try:
        resp = urllib.request.urlopen(request, timeout=HTTP_TIMEOUT)
    except urllib.error.HTTPError as e:
        body = e.read(2000).decode("utf-8", "replace")
        raise RegistryError(f"{method} {urllib.parse.urlsplit(url).path}: HTTP {e.code}: {body.strip()}") from None
    except urllib.error.URLError as e:
        raise RegistryError(f"{method} {url}: {e.reason}") from None
    return resp.status, resp.headers, resp


def blob_path(layout, digest):
    """Where a layout keeps a blob; a digest that could name a path elsewhere is refused."""
    alg, _, enc = digest.partition(":")
    if alg not in ("sha256", "sha512") or not enc or any(c not in "0123456789abcdef" for c in enc):
        raise RegistryError(f"unsupported digest {digest!r}")
    return os.path.join(layout, "blobs", alg, enc)


def write_layout_index(layout, manifest, media_type, digest, size, tag):
    """Make `layout` an OCI layout whose index.json names one manifest, tagged `tag`."""
    with open(os.path.join(layout, "oci-layout"), "w") as f:
        json.dump({"imageLayoutVersion": "1.0.0"}, f)
    entry = {"mediaType": media_type, "digest": digest, "size": size,
             "annotations": {"org.opencontainers.image.ref.name": tag}}
    if manifest.get("artifactType"):
        entry["artifactType"] = manifest["artifactType"]
    with open(os.path.join(layout, "index.json"), "w") as f:
        json.dump({"schemaVersion": 2, "mediaType": "application/vnd.oci.image.index.v1+json", "manifests": [entry]}, f)


def _descriptors(manifest):
    """The blobs a manifest references (config first), each once."""
    seen, out = set(), []
    for d in [manifest.get("config") or {}, *(manifest.get("layers") or [])]:
        if d.get("digest") and d["digest"] not in seen:
            seen.add(d["digest"])
            out.append(d)
    return out


def registry_to_layout(base, repository, reference, layout, tag):
    """GET the manifest `reference` and its blobs into a new OCI layout, tagged `tag`.

    Every byte is checked against its descriptor's digest and size before the layout names it.
    Returns the manifest digest."""
    _, headers, resp = _http("GET", f"{base}/v2/{repository}/manifests/{reference}",
                             headers={"Accept": MANIFEST_ACCEPT})
    raw = resp.read(8 * CHUNK + 1)
    if len(raw) > 8 * CHUNK:
        raise RegistryError("the manifest is larger than 8 MiB")
    digest = "sha256:" + hashlib.sha256(raw).hexdigest()
    said = headers.get("Docker-Content-Digest")
    if said and said != digest:
        raise RegistryError(f"the registry names the manifest {said}, its bytes hash to {digest}")
    manifest = json.loads(raw)
    os.makedirs(os.path.join(layout, "blobs", "sha256"))
    for d in _descriptors(manifest):
        _, _, blob = _http("GET", f"{base}/v2/{repository}/blobs/{d['digest']}")
        path = blob_path(layout, d["digest"])
        h, size = hashlib.sha256(), 0
        with open(path + ".part", "wb") as f:
            while chunk := blob.read(CHUNK):
                h.update(chunk)
                size += len(chunk)
                f.write(chunk)
        if "sha256:" + h.hexdigest() != d["digest"] or size != d.get("size"):
            os.unlink(path + ".part")
            raise RegistryError(f"blob {d['digest']} came back as sha256:{h.hexdigest()}, {size} bytes")
        os.replace(path + ".part", path)
    with open(blob_path(layout, digest), "wb") as f:
        f.write(raw)
    media_type = manifest.get("mediaType") or headers.get("Content-Type", "").split(";")[0]
    write_layout_index(layout, manifest, media_type, digest, len(raw), tag)
    return digest


def layout_to_registry(layout, tag, base, repository):
    """PUT the manifest tagged `tag` in a layout and every blob it references into the registry,
    byte for byte (monolithic uploads). Returns the digest the registry names the manifest by."""
    desc = tagged(layout, tag)
    if desc is None:
        raise RegistryError(f"no manifest tagged {tag} in {layout}")
    with open(blob_path(layout, desc["digest"]), "rb") as f:
        raw = f.read()
    manifest = json.loads(raw)
    for d in _descriptors(manifest):
        path = blob_path(layout, d["digest"])
        _, headers, _ = _http("POST", f"{base}/v2/{repository}/blobs/uploads/", data=b"")
        location = urllib.parse.urljoin(base + "/", headers["Location"])
        sep = "&" if "?" in location else "?"
        with open(path, "rb") as f:
            _http("PUT", f"{location}{sep}digest={urllib.parse.quote(d['digest'])}", data=f,
                  headers={"Content-Type": "application/octet-stream",
                           "Content-Length": str(os.path.getsize(path))})
    media_type = manifest.get("mediaType") or desc.get("mediaType")
    _, headers, _ = _http("PUT", f"{base}/v2/{repository}/manifests/{tag}", data=raw,
                          headers={"Content-Type": media_type})
    return headers.get("Docker-Content-Digest") or desc["digest"]


# The Go tools of the field, pinned and built by .ci/go-tools.sh into target/tools/bin.

def go_tool(name):
    """The pinned binary `name` in $AI_INTEROP_TOOLS_BIN (else target/tools/bin), else on PATH."""
    bin_dir = os.environ.get("AI_INTEROP_TOOLS_BIN") or os.path.join(HERE, "..", "target", "tools", "bin")
    path = os.path.join(bin_dir, name)
    return os.path.abspath(path) if os.access(path, os.X_OK) else name


def tool_env(req, **extra):
    """The environment of a tool run: HOME, XDG dirs and DOCKER_CONFIG inside the request's work
    directory, so that no tool reads or writes the user's own configuration, credentials or
    storage."""
    work = req["workDir"]
    env = dict(os.environ)
    env.update({
        "HOME": work,
        "XDG_CONFIG_HOME": os.path.join(work, ".config"),
        "XDG_DATA_HOME": os.path.join(work, ".local", "share"),
        "XDG_CACHE_HOME": os.path.join(work, ".cache"),
        "DOCKER_CONFIG": os.path.join(work, ".docker"),
        "TMPDIR": work,
    })
    env.update(extra)
    return env
