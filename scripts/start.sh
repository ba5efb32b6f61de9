#!/usr/bin/env bash
# npm start: installs what is missing (Debian engine packages as root, npm
# packages), builds what is stale, then runs `drydock up` (PORT honoured).
# Extra arguments go to `drydock up` (npm start -- --host 0.0.0.0).
set -euo pipefail
cd "$(dirname "$0")/.."

if [ "$(id -u)" -eq 0 ]; then
  bash scripts/debian-packages.sh $(grep -hv '^#' scripts/engine-packages.txt)
fi
[ -d node_modules/.bin ] && [ node_modules/.package-lock.json -nt package-lock.json ] || npm ci --no-audit --no-fund

stale() { # stale OUTPUT DIR...: the output is missing or a source file is newer
  [ ! -e "$1" ] && return 0
  local out=$1; shift
  [ -n "$(find "$@" -newer "$out" -type f \( -name '*.ts' -o -name '*.tsx' -o -name '*.css' -o -name '*.prisma' -o -name '*.mjs' \) -not -path '*/generated/*' -print -quit 2>/dev/null)" ]
}
if stale packages/db/src/generated/client.ts prisma; then npm run build -w @drydock/db >/dev/null; fi
if stale apps/web/.next/BUILD_ID apps/web/app apps/web/components apps/web/lib apps/web/server packages/api/src packages/db/src prisma; then
  echo "drydock: building the dashboard…" >&2
  (cd apps/web && node build.mjs >/dev/null)
fi
# The single-file agent the hub uploads to hosts it enrolls over SSH.
if stale apps/agent/dist/drydock.mjs apps/agent/src apps/cli/src packages/engine/src packages/protocol/src; then (cd apps/agent && node build.mjs >/dev/null); fi
exec ./bin/drydock up --port "${PORT:-3000}" "$@"
