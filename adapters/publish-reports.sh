#!/usr/bin/env bash
# Regenerate reports/<tool>-<version>/ and reports/interop-matrix/ from the adapters in this
# directory, and the registry reports of olareg and Distribution v3. Needs: a build (`cargo build
# --release`, or AI_INTEROP_PROFILE=debug), `.ci/tools.sh` (skopeo, umoci, the pip tools venv, the
# Go tools in target/tools/bin) and the loopback registries from `.ci/registry.sh`:
#   cargo build --release
#   source .ci/registry.sh && registry_start_all
#   source .ci/tools.sh && tools_install
#   bash adapters/publish-reports.sh
set -euo pipefail
cd "$(dirname "$0")/.."
bin=target/${AI_INTEROP_PROFILE:-release}/ai-interop
export AI_INTEROP_BIN="$PWD/$bin"
reg="${AI_INTEROP_TEST_REGISTRY:?source .ci/registry.sh && registry_start_all first}"
ver() { # adapter -> the version its describe reply names (the command of adapters/<adapter>.json)
    python3 -c 'import json,subprocess,sys
cmd = json.load(open(f"adapters/{sys.argv[1]}.json"))["command"]
req = json.dumps({"protocol": "ai-interop.dev/adapter/v1", "command": "describe", "workDir": "/tmp"})
out = subprocess.run(cmd, cwd="adapters", input=req, capture_output=True, text=True).stdout
print(json.loads(out)["tool"]["version"].split("+")[0])' "$1"; }
suite() { # adapter suite [option…]: reports/<adapter>-<version>/<suite>
    suite_in "$1" "$1" "$2" "${@:3}"; }
suite_in() { # folder-name adapter suite [option…]: reports/<folder-name>-<version>/<suite>[-<adapter>]
    local dir="reports/$1-$(ver "$2")/$3"
    [ "$1" = "$2" ] || dir="$dir-${2#"$1"-}"
    set -- "$2" "$3" "${@:4}"
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
suite oras-cli transport
suite kit packer
suite_in kit kit-modelpack packer            # reports/kit-<version>/packer-modelpack: --use-model-pack
suite kit runtime --profile trusted
suite modctl packer
suite modctl runtime --profile trusted
suite modctl transport
# The registries with (olareg) and without (Distribution v3) the referrers API, as
# reports/distribution-2.8.2 (large blob 32 MiB).
registry_report() { # folder url
    rm -rf "reports/$1/plain"
    AI_INTEROP_REGISTRY_URL="$2" AI_INTEROP_REGISTRY_LARGE_BLOB_SIZE=33554432 \
        "$bin" run registry --target-name "$1/plain" --out "reports/$1/plain" --format json >/dev/null || true
    echo "reports/$1/plain: $(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["summary"])' "reports/$1/plain/report.json")"
}
registry_report olareg-0.1.2 "${AI_INTEROP_TEST_REGISTRY_OLAREG:?registry_start_all starts olareg}"
registry_report distribution-3.1.2 "${AI_INTEROP_TEST_REGISTRY_V3:?registry_start_all starts Distribution v3}"
rm -f reports/interop-matrix/matrix.json reports/interop-matrix/matrix.md
"$bin" run matrix --registry "$reg" --out reports/interop-matrix \
    --adapters adapters/reference.json adapters/olot.json adapters/omlmd.json adapters/kit.json adapters/kit-modelpack.json \
    adapters/modctl.json adapters/skopeo.json adapters/oras-py.json adapters/oras-cli.json adapters/umoci.json >/dev/null || true
echo "reports/interop-matrix: $(grep -c '✅' reports/interop-matrix/matrix.md) passing cells"
python3 reports/rollups.py reports/reference-* reports/olot-* reports/omlmd-* reports/umoci-* reports/skopeo-* reports/oras-py-* \
    reports/oras-cli-* reports/kit-* reports/modctl-*
