#!/usr/bin/env bash
# Installs Debian packages that are missing (root only; a no-op otherwise).
# Usage: debian-packages.sh PACKAGE... — runs apt-get update only when something is missing.
set -euo pipefail
missing=()
for p in "$@"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
[ ${#missing[@]} -eq 0 ] && exit 0
if [ "$(id -u)" -ne 0 ]; then
  echo "drydock: missing Debian packages (run as root to install): ${missing[*]}" >&2
  exit 0
fi
echo "drydock: installing ${missing[*]}" >&2
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
