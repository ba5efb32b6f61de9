#!/usr/bin/env bash
# npm run bench: the same set-up as npm test, then the side-by-side benchmark.
set -euo pipefail
cd "$(dirname "$0")/.."
if [ "$(id -u)" -eq 0 ]; then
  bash scripts/debian-packages.sh $(grep -hv '^#' scripts/engine-packages.txt scripts/test-packages.txt)
fi
[ -d node_modules/.bin ] || npm ci --no-audit --no-fund
npm run build -w @drydock/db >/dev/null
(cd apps/cli && node build.mjs)
eval "$(bash scripts/peers.sh)"
node bench/run.mjs
npx vite-node bench/hub.ts   # the hub: 1,000 simulated agents, live-line latency, queries over 1M audit rows
