#!/usr/bin/env bash
# npm test: installs what the tests need, starts the peers, runs every suite.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)

if [ "$(id -u)" -eq 0 ]; then
  bash scripts/debian-packages.sh $(grep -hv '^#' scripts/engine-packages.txt scripts/test-packages.txt)
fi
bash scripts/check-tools.sh
[ -d node_modules/.bin ] && [ node_modules/.package-lock.json -nt package-lock.json ] || npm ci --no-audit --no-fund
npm run build -w @drydock/db >/dev/null   # prisma generate (the hub's client)
(cd apps/cli && node build.mjs)
(cd apps/web && node build.mjs >/dev/null)  # the hub: server bundle + next build (the e2e suite drives it)
for project in packages/engine packages/registry packages/protocol packages/units packages/hosts apps/agent apps/cli packages/db packages/api apps/web; do npx tsc -p "$project/tsconfig.json" --noEmit; done
npx tsc -p apps/web/tsconfig.server.json --noEmit   # the hub's server and tests (Node types, not Next's)

eval "$(bash scripts/peers.sh)"
rm -f /run/drydock-test/dockerd-deaths.log
export DRYDOCK_REPO="$root"

report=$(mktemp)
status=0
npx vitest run --reporter=default --reporter=json --outputFile.json="$report" "$@" || status=$?
node -e '
  const r = JSON.parse(require("fs").readFileSync(process.argv[1], "utf8"));
  console.log(`${r.numPassedTests} passed, ${r.numFailedTests} failed` + (r.numPendingTests ? `, ${r.numPendingTests} skipped` : ""));
' "$report" || true
rm -f "$report"
# Last, so that it shows at the end of CI's output: a peer that died during the run.
if [ -s /run/drydock-test/dockerd-deaths.log ]; then
  echo "dockerd died during the run and was started again (tooling/test/peers-alive.ts):"
  cat /run/drydock-test/dockerd-deaths.log
fi
exit $status
