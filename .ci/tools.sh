#!/usr/bin/env bash
# The real tools the packer, runtime and transport suites run through adapters/ (source it):
#   skopeo, umoci (apt), a venv with oras-py, olot and omlmd (pip, pinned), and the Go tools of
#   the field (kit, modctl, oras, cosign, notation, olareg, Distribution v3; .ci/go-tools.sh,
#   pinned, built once into target/tools/bin and reused while the pin is unchanged).
#   tools_install      # installs what is missing; exports AI_INTEROP_TOOLS_VENV and
#                      # AI_INTEROP_TOOLS_BIN (on PATH)
# shellcheck source=.ci/go-tools.sh
source "$(dirname "${BASH_SOURCE[0]}")/go-tools.sh"
TOOLS_VENV_DEFAULT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)/target/tools-venv"
TOOLS_PIP_PINS=(oras==0.2.43 olot==1.2.1 omlmd==0.1.6)

tools_install() {
    local missing=()
    command -v skopeo >/dev/null || missing+=(skopeo)
    command -v umoci >/dev/null || missing+=(umoci)
    command -v python3 >/dev/null || missing+=(python3 python3-venv)
    if [ ${#missing[@]} -gt 0 ]; then
        local sudo=""
        [ "$(id -u)" -eq 0 ] || sudo="sudo"
        export DEBIAN_FRONTEND=noninteractive
        $sudo apt-get update -qq && $sudo apt-get install -y -qq "${missing[@]}" >/dev/null || return 1
    fi
    local venv="${AI_INTEROP_TOOLS_VENV:-$TOOLS_VENV_DEFAULT}"
    if ! "$venv/bin/python" -c 'import oras, olot, omlmd' 2>/dev/null; then
        python3 -m venv "$venv" || return 1
        "$venv/bin/pip" install -q --disable-pip-version-check "${TOOLS_PIP_PINS[@]}" || return 1
    fi
    export AI_INTEROP_TOOLS_VENV="$venv"
    # Go comes with the machine (Debian's golang-go, 1.19, is too old for these modules).
    go_tools_install || return 1
    echo "tools.sh: skopeo $(skopeo --version | awk '{print $3}'), umoci $(umoci --version | awk '{print $3}'), venv $venv: $("$venv/bin/pip" freeze 2>/dev/null | grep -E '^(oras|olot|omlmd)==' | tr '\n' ' ')"
}
