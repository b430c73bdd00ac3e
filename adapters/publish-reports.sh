#!/usr/bin/env bash
# Regenerate reports/<tool>-<version>/ and reports/interop-matrix/ from the adapters in this
# directory. Needs: a build (`cargo build --release`, or AI_INTEROP_PROFILE=debug), `.ci/tools.sh` (skopeo, umoci, the pip tools venv) and a
# loopback registry from `.ci/registry.sh`:
#   cargo build --release
#   source .ci/registry.sh && registry_start_all
#   source .ci/tools.sh && tools_install
#   bash adapters/publish-reports.sh
set -euo pipefail
cd "$(dirname "$0")/.."
bin=target/${AI_INTEROP_PROFILE:-release}/ai-interop
export AI_INTEROP_BIN="$PWD/$bin"
reg="${AI_INTEROP_TEST_REGISTRY:?source .ci/registry.sh && registry_start_all first}"
ver() { python3 "adapters/$1.py" <<<'{"protocol":"ai-interop.dev/adapter/v1","command":"describe","workDir":"/tmp"}' \
        | python3 -c 'import json,sys; print(json.load(sys.stdin)["tool"]["version"].split("+")[0])'; }
suite() { # adapter suite [option…]
    local dir="reports/$1-$(ver "$1")/$2"
    rm -rf "$dir"
    "$bin" run "$2" --adapter "adapters/$1.json" --registry "$reg" --out "$dir" --format json "${@:3}" >/dev/null || true
    echo "$dir: $(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["summary"])' "$dir/report.json")"
}
suite reference packer
suite reference runtime --profile trusted   # RUN-010 (signature policies) is in `trusted`
suite olot packer
suite omlmd packer
suite omlmd runtime --profile trusted
suite umoci runtime --profile trusted
suite skopeo transport
suite oras-py transport
rm -f reports/interop-matrix/matrix.json reports/interop-matrix/matrix.md
"$bin" run matrix --registry "$reg" --out reports/interop-matrix \
    --adapters adapters/reference.json adapters/olot.json adapters/omlmd.json adapters/skopeo.json adapters/oras-py.json \
    adapters/umoci.json >/dev/null || true
echo "reports/interop-matrix: $(grep -c '✅' reports/interop-matrix/matrix.md) passing cells"
python3 reports/rollups.py reports/reference-* reports/olot-* reports/omlmd-* reports/umoci-* reports/skopeo-* reports/oras-py-*
