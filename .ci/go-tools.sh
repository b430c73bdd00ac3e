#!/usr/bin/env bash
# The Go tools of the field, pinned, built from their own modules through the Go module proxy into
# target/tools/bin (source it; tools.sh calls go_tools_install). A binary already built for the pinned
# version is reused: each lands as <name>-<version> with a <name> link beside it, so a bump rebuilds
# and an unchanged pin costs nothing.
#
#   go_tools_install     # builds what is missing; exports AI_INTEROP_TOOLS_BIN and puts it on PATH
#
# name | module (the path the proxy serves) | package inside it | version | how | ldflags (optional)
#   how = install : go install <module>/<package>@<version>
#         source  : `go install` refuses the module here, so it is downloaded through the proxy
#                   (go mod download) and built with `go build` from a copy of its source:
#                   kit: go install asks the proxy for the module's version list (its deprecation
#                        check), which the proxy here refuses (403); the version itself is served.
#                   notation, olareg: the same deprecation lookup (@v/list: 403 Forbidden) stops
#                        `go install` at v1.3.2 and v0.1.2; the versions themselves are served.
#                   modctl: served under github.com/CloudNativeAI/modctl, but its go.mod declares
#                        github.com/modelpack/modctl ("module declares its path as"). v0.2.0 is newer
#                        but needs d7y.io/api/v2@v2.2.26, which the proxy does not serve; v0.1.2 builds.
#   ldflags: what the tool's own release build stamps in (its .goreleaser / Makefile): without it
#            kit reports version "unknown" and writes that into every manifest it packs
#            (ml.kitops.modelkit.cli-version), and modctl reports v0.0.1.
GO_TOOLS=(
    "kit|github.com/kitops-ml/kitops|.|v1.15.0|source|-X github.com/kitops-ml/kitops/pkg/lib/constants.Version=1.15.0"
    "modctl|github.com/CloudNativeAI/modctl|.|v0.1.2|source|-X github.com/modelpack/modctl/pkg/version.GitVersion=v0.1.2"
    "oras|oras.land/oras|cmd/oras|v1.3.6|install"
    "cosign|github.com/sigstore/cosign/v3|cmd/cosign|v3.1.3|install"
    "notation|github.com/notaryproject/notation|cmd/notation|v1.3.2|source"
    "olareg|github.com/olareg/olareg|cmd/olareg|v0.1.2|source"
    "registry-v3|github.com/distribution/distribution/v3|cmd/registry|v3.1.2|install"
)
GO_TOOLS_BIN_DEFAULT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)/target/tools/bin"

# go_tool_build NAME MODULE PACKAGE VERSION HOW BIN [LDFLAGS] -> builds BIN/NAME-VERSION
go_tool_build() {
    local name=$1 module=$2 pkg=$3 version=$4 how=$5 bin=$6 ldflags=${7:-}
    local out="$bin/$name-$version" tmp
    tmp="$(mktemp -d)" || return 1
    case "$how" in
    install)
        local target="$module"
        [ "$pkg" = "." ] || target="$module/$pkg"
        GOBIN="$tmp" CGO_ENABLED=0 GOFLAGS=-buildvcs=false go install -ldflags "$ldflags" "$target@$version" || { rm -rf "$tmp"; return 1; }
        mv "$tmp"/* "$out"
        ;;
    source)
        local dir
        dir="$(GOFLAGS=-mod=mod go mod download -json "$module@$version" | sed -n 's/^[[:space:]]*"Dir": "\(.*\)",$/\1/p')"
        [ -n "$dir" ] || { rm -rf "$tmp"; return 1; }
        cp -r "$dir" "$tmp/src" && chmod -R u+w "$tmp/src"
        (cd "$tmp/src" && CGO_ENABLED=0 GOFLAGS=-buildvcs=false go build -trimpath -ldflags "$ldflags" -o "$out" "./$pkg") || { rm -rf "$tmp"; return 1; }
        ;;
    esac
    rm -rf "$tmp"
}

go_tools_install() {
    local bin="${AI_INTEROP_TOOLS_BIN:-$GO_TOOLS_BIN_DEFAULT}" entry name module pkg version how ldflags failed=0 started
    command -v go >/dev/null || { echo "go-tools.sh: no go on PATH" >&2; return 1; }
    mkdir -p "$bin"
    for entry in "${GO_TOOLS[@]}"; do
        IFS='|' read -r name module pkg version how ldflags <<<"$entry"
        if [ ! -x "$bin/$name-$version" ]; then
            started=$SECONDS
            echo "go-tools.sh: building $name $version ($module, $how)" >&2
            if ! go_tool_build "$name" "$module" "$pkg" "$version" "$how" "$bin" "$ldflags" >&2; then
                echo "go-tools.sh: $name $version did not build" >&2
                failed=1
                continue
            fi
            echo "go-tools.sh: $name $version built in $((SECONDS - started)) s" >&2
        fi
        ln -sf "$name-$version" "$bin/$name"
    done
    export AI_INTEROP_TOOLS_BIN="$bin"
    case ":$PATH:" in *":$bin:"*) ;; *) export PATH="$bin:$PATH" ;; esac
    echo "go-tools.sh: $(for entry in "${GO_TOOLS[@]}"; do IFS='|' read -r name _ _ version _ <<<"$entry"; [ -x "$bin/$name-$version" ] && printf '%s %s, ' "$name" "$version"; done)in $bin"
    return $failed
}
