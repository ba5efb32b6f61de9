#!/usr/bin/env bash
# Starts the peers the tests talk to and prepares fixtures, idempotently.
# Prints the environment the test run needs (eval it).
set -euo pipefail
FIXTURES=${DRYDOCK_FIXTURES:-/var/cache/drydock-test}
mkdir -p "$FIXTURES"

# dockerd from Debian's docker.io, on its default socket unless one answers already. It runs in
# a session of its own (setsid), so no signal meant for the test run's process group reaches it.
# Run again while the tests run (test/setup/peers-alive.ts does), it restarts a dockerd that died,
# keeping the dead one's log as dockerd.log.1.
if ! docker version >/dev/null 2>&1; then
  mkdir -p /run/drydock-test
  [ -s /run/drydock-test/dockerd.log ] && mv /run/drydock-test/dockerd.log /run/drydock-test/dockerd.log.1
  # A dockerd killed outright leaves its pid file; dockerd refuses to start while that pid runs.
  pid=$(cat /run/drydock-test/dockerd.pid 2>/dev/null || true)
  [ -n "$pid" ] && [ "$(cat "/proc/$pid/comm" 2>/dev/null)" != dockerd ] && rm -f /run/drydock-test/dockerd.pid
  setsid nohup dockerd --pidfile /run/drydock-test/dockerd.pid >/run/drydock-test/dockerd.log 2>&1 </dev/null &
  for _ in $(seq 1 120); do docker version >/dev/null 2>&1 && break; sleep 0.5; done
  docker version >/dev/null 2>&1 || { echo "dockerd did not start:" >&2; tail -20 /run/drydock-test/dockerd.log >&2; exit 1; }
fi

# A busybox rootfs tarball: a small base image.
if [ ! -s "$FIXTURES/busybox-rootfs.tar" ]; then
  tmp=$(mktemp -d)
  mkdir -p "$tmp/bin" "$tmp/etc" "$tmp/tmp" "$tmp/root" "$tmp/usr/bin" "$tmp/sbin"
  cp /bin/busybox "$tmp/bin/busybox"
  for applet in $("$tmp/bin/busybox" --list); do
    [ "$applet" = busybox ] || ln -sf busybox "$tmp/bin/$applet"
  done
  printf 'root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/nonexistent:/bin/false\n' >"$tmp/etc/passwd"
  printf 'root:x:0:\nnogroup:x:65534:\n' >"$tmp/etc/group"
  chmod 1777 "$tmp/tmp"
  tar --numeric-owner -C "$tmp" -cf "$FIXTURES/busybox-rootfs.tar.partial" .
  mv "$FIXTURES/busybox-rootfs.tar.partial" "$FIXTURES/busybox-rootfs.tar"
  rm -rf "$tmp"
fi

# A Debian minbase rootfs tarball (~200 MB unpacked): debootstrap once, cached.
if [ ! -s "$FIXTURES/debian-rootfs.tar" ]; then
  tmp=$(mktemp -d -p "$FIXTURES")
  debootstrap --variant=minbase bookworm "$tmp/rootfs" http://deb.debian.org/debian >"$FIXTURES/debootstrap.log" 2>&1 \
    || { echo "debootstrap failed, see $FIXTURES/debootstrap.log" >&2; rm -rf "$tmp"; exit 1; }
  rm -rf "$tmp/rootfs/var/cache/apt/archives/"*.deb
  tar --numeric-owner -C "$tmp/rootfs" -cf "$FIXTURES/debian-rootfs.tar.partial" .
  mv "$FIXTURES/debian-rootfs.tar.partial" "$FIXTURES/debian-rootfs.tar"
  rm -rf "$tmp"
fi

echo "export DRYDOCK_FIXTURES=$FIXTURES"
