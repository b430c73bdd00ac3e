#!/usr/bin/env bash
# Real registries for the registry tests: Debian's docker-registry (CNCF Distribution 2.8.2),
# started three times on free loopback ports with temporary configs: plain HTTP, htpasswd basic
# auth, and TLS from a throw-away CA made here with openssl. Distribution 2.8.2 has no referrers
# API: it is the referrers tag-schema (fallback tag) case. Beside them, two registries with the
# OCI 1.1 referrers API, built from their Go modules by .ci/go-tools.sh (target/tools/bin):
# olareg and CNCF Distribution v3, plain HTTP each.
#
# Use (from .ci/run or a shell):
#   source .ci/registry.sh
#   registry_start_all          # installs what is missing, starts, exports AI_INTEROP_TEST_REGISTRY*
#   trap registry_stop_all EXIT
#   cargo test --test it registry_distribution
#
# Exports:
#   AI_INTEROP_TEST_REGISTRY             http://127.0.0.1:<port>
#   AI_INTEROP_TEST_REGISTRY_BASIC       http://127.0.0.1:<port>   (+ _USER, _PASSWORD)
#   AI_INTEROP_TEST_REGISTRY_TLS         https://127.0.0.1:<port>  (+ _CA: PEM of the CA)
#   AI_INTEROP_TEST_REGISTRY_OLAREG      http://127.0.0.1:<port>   (olareg, referrers API)
#   AI_INTEROP_TEST_REGISTRY_V3          http://127.0.0.1:<port>   (Distribution v3)
# Every server binds 127.0.0.1 only. Run as a script (`bash .ci/registry.sh`) it starts them,
# prints the exports and waits until interrupted.

REGISTRY_PIDS=()
REGISTRY_TMP=""
# shellcheck source=.ci/go-tools.sh
source "$(dirname "${BASH_SOURCE[0]}")/go-tools.sh"

registry_install() {
    local need=()
    command -v docker-registry >/dev/null 2>&1 || need+=(docker-registry)
    command -v htpasswd >/dev/null 2>&1 || need+=(apache2-utils)
    command -v openssl >/dev/null 2>&1 || need+=(openssl)
    command -v curl >/dev/null 2>&1 || need+=(curl)
    if ((${#need[@]})); then
        echo "registry.sh: installing ${need[*]}" >&2
        export DEBIAN_FRONTEND=noninteractive
        apt-get update -qq >&2 || return 1
        apt-get install -y -qq "${need[@]}" >&2 || return 1
    fi
    # The package may start nothing (no systemd here), but make sure no packaged instance
    # competes for :5000; ours use free ports anyway.
    return 0
}

registry_free_port() {
    python3 - <<'PY' 2>/dev/null && return 0
import socket
s = socket.socket()
s.bind(("127.0.0.1", 0))
print(s.getsockname()[1])
s.close()
PY
    # No python: try random high ports until one is free.
    local p
    for _ in $(seq 1 50); do
        p=$((20000 + RANDOM % 40000))
        if ! (exec 3<>"/dev/tcp/127.0.0.1/$p") 2>/dev/null; then
            echo "$p"
            return 0
        fi
    done
    return 1
}

# registry_serve NAME PORT EXTRA_YAML [BINARY] -> starts one instance, sets REGISTRY_LAST_PID
registry_serve() {
    local name=$1 port=$2 extra=$3 binary=${4:-docker-registry}
    local dir="$REGISTRY_TMP/$name"
    mkdir -p "$dir/data"
    cat >"$dir/config.yml" <<YAML
version: 0.1
log:
  level: warn
  accesslog:
    disabled: true
storage:
  filesystem:
    rootdirectory: $dir/data
  delete:
    enabled: true
http:
  addr: 127.0.0.1:$port
  secret: ai-interop-throwaway-$RANDOM$RANDOM
$extra
YAML
    # Exec the binary itself so that $! is the server's own PID.
    "$binary" serve "$dir/config.yml" >"$dir/log" 2>&1 &
    REGISTRY_LAST_PID=$!
    REGISTRY_PIDS+=("$REGISTRY_LAST_PID")
}

registry_wait() {
    local url=$1 pid=$2 extra=("${@:3}")
    for _ in $(seq 1 100); do
        if ! kill -0 "$pid" 2>/dev/null; then
            echo "registry.sh: server $pid for $url exited" >&2
            return 1
        fi
        local code
        code=$(curl -s -o /dev/null -w '%{http_code}' "${extra[@]}" "$url/v2/" || true)
        if [[ $code == 200 || $code == 401 ]]; then
            return 0
        fi
        sleep 0.2
    done
    echo "registry.sh: $url did not answer in 20 s" >&2
    return 1
}

registry_start_all() {
    registry_install || return 1
    REGISTRY_TMP=$(mktemp -d /tmp/ai-interop-registry.XXXXXX)
    local p1 p2 p3 pid
    # Plain.
    p1=$(registry_free_port) || return 1
    registry_serve plain "$p1" ""
    pid=$REGISTRY_LAST_PID
    registry_wait "http://127.0.0.1:$p1" "$pid" || { cat "$REGISTRY_TMP/plain/log" >&2; return 1; }
    export AI_INTEROP_TEST_REGISTRY="http://127.0.0.1:$p1"

    # htpasswd basic auth (Distribution wants bcrypt: htpasswd -B).
    local user=ai-interop pass
    pass="pw-$(openssl rand -hex 12)"
    htpasswd -Bbn "$user" "$pass" >"$REGISTRY_TMP/htpasswd" 2>/dev/null || return 1
    p2=$(registry_free_port) || return 1
    registry_serve basic "$p2" "auth:
  htpasswd:
    realm: ai-interop
    path: $REGISTRY_TMP/htpasswd"
    pid=$REGISTRY_LAST_PID
    registry_wait "http://127.0.0.1:$p2" "$pid" || { cat "$REGISTRY_TMP/basic/log" >&2; return 1; }
    export AI_INTEROP_TEST_REGISTRY_BASIC="http://127.0.0.1:$p2"
    export AI_INTEROP_TEST_REGISTRY_BASIC_USER="$user"
    export AI_INTEROP_TEST_REGISTRY_BASIC_PASSWORD="$pass"

    # TLS from a throw-away CA.
    local t="$REGISTRY_TMP/tls-ca"
    mkdir -p "$t"
    openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes \
        -keyout "$t/ca.key" -out "$t/ca.crt" -days 2 -subj "/CN=ai-interop throw-away CA" \
        -addext "basicConstraints=critical,CA:TRUE" \
        -addext "keyUsage=critical,keyCertSign,cRLSign" 2>/dev/null || return 1
    openssl req -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes \
        -keyout "$t/server.key" -out "$t/server.csr" -subj "/CN=127.0.0.1" 2>/dev/null || return 1
    printf 'subjectAltName=IP:127.0.0.1,DNS:localhost\nbasicConstraints=CA:FALSE\nkeyUsage=critical,digitalSignature\nextendedKeyUsage=serverAuth\n' >"$t/ext"
    openssl x509 -req -in "$t/server.csr" -CA "$t/ca.crt" -CAkey "$t/ca.key" -CAcreateserial \
        -out "$t/server.crt" -days 2 -extfile "$t/ext" 2>/dev/null || return 1
    p3=$(registry_free_port) || return 1
    registry_serve tls "$p3" "  tls:
    certificate: $t/server.crt
    key: $t/server.key"
    pid=$REGISTRY_LAST_PID
    registry_wait "https://127.0.0.1:$p3" "$pid" --cacert "$t/ca.crt" || { cat "$REGISTRY_TMP/tls/log" >&2; return 1; }
    export AI_INTEROP_TEST_REGISTRY_TLS="https://127.0.0.1:$p3"
    export AI_INTEROP_TEST_REGISTRY_TLS_CA="$t/ca.crt"

    echo "registry.sh: Distribution $(docker-registry --version 2>/dev/null | awk '{print $NF}') plain $AI_INTEROP_TEST_REGISTRY, basic $AI_INTEROP_TEST_REGISTRY_BASIC, tls $AI_INTEROP_TEST_REGISTRY_TLS; PIDs ${REGISTRY_PIDS[*]}"
    registry_start_referrers
}

# The two registries with the referrers API (the Go tools: built, or reused, by go_tools_install).
registry_start_referrers() {
    # A Go tool that did not build is said by go_tools_install; these two are what is needed here.
    go_tools_install >&2 || true
    local bin=${AI_INTEROP_TOOLS_BIN:-$GO_TOOLS_BIN_DEFAULT} p pid
    [ -x "$bin/olareg" ] && [ -x "$bin/registry-v3" ] || { echo "registry.sh: olareg or registry-v3 missing in $bin" >&2; return 1; }
    # olareg: its own storage directory (an OCI layout per repository); deletes on, so that the
    # suite can clean up and probe the `delete` feature.
    p=$(registry_free_port) || return 1
    mkdir -p "$REGISTRY_TMP/olareg/data"
    "$bin/olareg" serve --addr 127.0.0.1 --port "$p" --dir "$REGISTRY_TMP/olareg/data" \
        --api-delete --api-blob-delete >"$REGISTRY_TMP/olareg/log" 2>&1 &
    pid=$!
    REGISTRY_PIDS+=("$pid")
    registry_wait "http://127.0.0.1:$p" "$pid" || { cat "$REGISTRY_TMP/olareg/log" >&2; return 1; }
    export AI_INTEROP_TEST_REGISTRY_OLAREG="http://127.0.0.1:$p"

    # Distribution v3: the same configuration as the plain 2.8.2 instance.
    p=$(registry_free_port) || return 1
    registry_serve v3 "$p" "" "$bin/registry-v3"
    pid=$REGISTRY_LAST_PID
    registry_wait "http://127.0.0.1:$p" "$pid" || { cat "$REGISTRY_TMP/v3/log" >&2; return 1; }
    export AI_INTEROP_TEST_REGISTRY_V3="http://127.0.0.1:$p"
    echo "registry.sh: olareg $AI_INTEROP_TEST_REGISTRY_OLAREG, Distribution $("$bin/registry-v3" --version 2>/dev/null | awk '{print $NF}') $AI_INTEROP_TEST_REGISTRY_V3; PIDs ${REGISTRY_PIDS[*]}"
}

registry_stop_all() {
    local pid
    for pid in "${REGISTRY_PIDS[@]}"; do
        kill "$pid" 2>/dev/null || true
    done
    for pid in "${REGISTRY_PIDS[@]}"; do
        wait "$pid" 2>/dev/null || true
    done
    REGISTRY_PIDS=()
    if [[ -n $REGISTRY_TMP && -d $REGISTRY_TMP ]]; then
        rm -rf "$REGISTRY_TMP"
    fi
    REGISTRY_TMP=""
}

if [[ ${BASH_SOURCE[0]} == "$0" ]]; then
    set -u
    registry_start_all || { registry_stop_all; exit 1; }
    trap 'registry_stop_all; exit 0' INT TERM
    trap registry_stop_all EXIT
    (umask 077; env | grep '^AI_INTEROP_TEST_REGISTRY' | sed 's/^/export /' >"$REGISTRY_TMP/env")
    env | grep '^AI_INTEROP_TEST_REGISTRY' | grep -v PASSWORD | sed 's/^/export /'
    echo "registry.sh: running; in another shell: source $REGISTRY_TMP/env (has the password); Ctrl-C stops them"
    while sleep 3600; do :; done
fi
