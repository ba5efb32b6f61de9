#!/usr/bin/env bash
# Fails with one line per missing tool, so a fresh machine whose package
# install went wrong stops here instead of in the middle of a suite.
set -uo pipefail
missing=0
for tool in crun runc dockerd skopeo umoci debootstrap busybox mknod setfattr getfattr ip iptables xz bzip2 zstd curl script python3 go gcc chromium sshd ssh-keygen sudo visudo useradd systemd-analyze; do
  command -v "$tool" >/dev/null 2>&1 || { echo "drydock: required tool not found after install: $tool" >&2; missing=1; }
done
ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 || { echo "drydock: PostgreSQL server (initdb) not found in /usr/lib/postgresql" >&2; missing=1; }
[ -d /usr/lib/cni ] || { echo "drydock: CNI plugins not found in /usr/lib/cni" >&2; missing=1; }
exit $missing
