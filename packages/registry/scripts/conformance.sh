#!/usr/bin/env bash
# Builds the OCI distribution-spec conformance suites once and caches the binaries.
# Prints `LEGACY=<path>` and `CURRENT=<path>` (eval-able) on stdout; progress goes to stderr.
#
# The conformance suite is its own Go module (github.com/opencontainers/distribution-spec/conformance)
# and is published only as pseudo-versions; we pin two:
#   LEGACY  v0.0.0-20231101194043-f2182352d4cc  the Ginkgo suite of the v1.1.0 release line
#           (commit f2182352, between v1.1.0-rc.3 and rc.4; the same pull/push/content-discovery/
#           content-management specs as v1.1.0), configured by OCI_ROOT_URL, OCI_NAMESPACE,
#           OCI_TEST_PULL, ... It is a `go test` package, so it is built with `go test -c`.
#   CURRENT v0.0.0-20260831232431-97274622c111  the rewritten suite (OCI_REGISTRY, OCI_REPO1, ...)
#           that also covers sha512 content, the referrers API, tag parameters and upload cancel.
#           It is a `main` package (`go build`).
# The module proxy serves no version of the conformance module tagged v1.1.0 itself (the
# repository's tags belong to its root module), hence the pseudo-versions.
set -euo pipefail

MODULE=github.com/opencontainers/distribution-spec/conformance
LEGACY_VERSION=v0.0.0-20231101194043-f2182352d4cc
CURRENT_VERSION=v0.0.0-20260831232431-97274622c111
CACHE=${DRYDOCK_FIXTURES:-/var/cache/drydock-test}/conformance

if ! command -v go >/dev/null 2>&1; then
  [ -x /usr/local/go/bin/go ] && export PATH="/usr/local/go/bin:$PATH"
fi
command -v go >/dev/null 2>&1 || { echo "conformance.sh: Go is not installed" >&2; exit 1; }
export GOTOOLCHAIN=local GOFLAGS=-buildvcs=false

mkdir -p "$CACHE"
LEGACY_BIN="$CACHE/conformance-legacy-$LEGACY_VERSION.test"
CURRENT_BIN="$CACHE/conformance-$CURRENT_VERSION"

# build VERSION OUTPUT MODE: downloads the module source and builds it into OUTPUT.
build() {
  local version=$1 out=$2 mode=$3 dir work
  [ -x "$out" ] && return 0
  echo "conformance.sh: building $MODULE@$version" >&2
  dir=$(cd "$CACHE" && go mod download -json "$MODULE@$version" | sed -n 's/^[[:space:]]*"Dir": "\(.*\)",$/\1/p')
  [ -n "$dir" ] && [ -d "$dir" ] || { echo "conformance.sh: go mod download $MODULE@$version failed" >&2; exit 1; }
  work=$(mktemp -d)
  # The module cache is read-only; build from a writable copy.
  cp -r "$dir/." "$work/"
  chmod -R u+w "$work"
  if [ "$mode" = test ]; then
    (cd "$work" && go test -c -o "$out.partial" .) >&2
  else
    (cd "$work" && go build -o "$out.partial" .) >&2
  fi
  mv "$out.partial" "$out"
  rm -rf "$work"
}

build "$LEGACY_VERSION" "$LEGACY_BIN" test
build "$CURRENT_VERSION" "$CURRENT_BIN" main

echo "LEGACY=$LEGACY_BIN"
echo "CURRENT=$CURRENT_BIN"
echo "LEGACY_VERSION=$LEGACY_VERSION"
echo "CURRENT_VERSION=$CURRENT_VERSION"
