#!/usr/bin/env bash
# Installs gohttpdbg with the local Go toolchain into $(go env GOBIN), or
# $(go env GOPATH)/bin when GOBIN is unset, and prints where. Running it
# again reinstalls the same binary.
set -euo pipefail
cd "$(dirname "$0")"
command -v go >/dev/null || { echo "install.sh: go is not on PATH (https://go.dev/doc/install)" >&2; exit 1; }
bindir=$(go env GOBIN)
[ -n "$bindir" ] || bindir="$(go env GOPATH)/bin"
GOTOOLCHAIN=${GOTOOLCHAIN:-local} go install ./cmd/gohttpdbg
echo "gohttpdbg installed at $bindir/gohttpdbg ($("$bindir/gohttpdbg" version | head -n 1))"
case ":$PATH:" in
*":$bindir:"*) ;;
*) echo "note: $bindir is not on PATH; add it, or call $bindir/gohttpdbg" ;;
esac
