#!/usr/bin/env bash
# Builds go-containerregistry's `crane` once into the fixtures cache and prints its path.
# Pinned: github.com/google/go-containerregistry/cmd/crane@v0.22.1 (Go and its module proxy are on the machine).
set -euo pipefail
VERSION=v0.22.1
BIN_DIR=${DRYDOCK_FIXTURES:-/var/cache/drydock-test}/bin
OUT="$BIN_DIR/crane-$VERSION"
if [ ! -x "$OUT" ]; then
  if ! command -v go >/dev/null 2>&1; then
    [ -x /usr/local/go/bin/go ] && export PATH="/usr/local/go/bin:$PATH"
  fi
  command -v go >/dev/null 2>&1 || { echo "crane.sh: Go is not installed" >&2; exit 1; }
  mkdir -p "$BIN_DIR"
  work=$(mktemp -d)
  echo "crane.sh: building crane $VERSION" >&2
  GOTOOLCHAIN=local GOFLAGS=-buildvcs=false GOBIN="$work" go install "github.com/google/go-containerregistry/cmd/crane@$VERSION" >&2
  mv "$work/crane" "$OUT"
  rm -rf "$work"
fi
echo "$OUT"
