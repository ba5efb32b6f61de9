#!/usr/bin/env bash
# Times `docker push` and `docker pull` of the fixture images against @drydock/registry and
# against distribution 2.8 (Debian's docker-registry), each on its own 127.0.0.1 port with a
# fresh root for every round. Prints one line per (image, registry) with median seconds.
# Usage: bench-docker.sh [ROUNDS]   (root; needs dockerd, docker-registry and the fixtures)
set -euo pipefail
ROUNDS=${1:-3}
here=$(cd "$(dirname "$0")/.." && pwd)
repo=$(cd "$here/../.." && pwd)
FIXTURES=${DRYDOCK_FIXTURES:-/var/cache/drydock-test}
command -v docker-registry >/dev/null || { echo "bench-docker.sh: apt-get install docker-registry first" >&2; exit 1; }

work=$(mktemp -d)
pids=()
cleanup() {
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
  rm -rf "$work"
}
trap cleanup EXIT

# A runnable entry for the TypeScript package.
cat >"$work/serve.ts" <<EOF
import { createRegistryServer, listen } from '$here/src/index.ts';
const [root, addr] = process.argv.slice(2);
listen(createRegistryServer({ root: root! }), addr!).then((a) => console.log(a.url));
EOF
(cd "$repo" && npx esbuild "$work/serve.ts" --bundle --platform=node --format=esm --outfile="$work/serve.mjs" --log-level=warning)

free_port() { node -e 'const s=require("net").createServer().listen(0,"127.0.0.1",()=>{console.log(s.address().port);s.close()})'; }
wait_port() { for _ in $(seq 1 100); do curl -fs "http://127.0.0.1:$1/v2/" >/dev/null && return 0; sleep 0.1; done; echo "registry on $1 did not start" >&2; return 1; }

start_registry() { # KIND ROOT PORT -> pid in $started
  local kind=$1 root=$2 port=$3
  mkdir -p "$root"
  if [ "$kind" = drydock ]; then
    node "$work/serve.mjs" "$root" "127.0.0.1:$port" >"$root.log" 2>&1 &
  else
    cat >"$root.yml" <<EOF
version: 0.1
log: { level: error }
storage:
  filesystem: { rootdirectory: $root }
  delete: { enabled: true }
http: { addr: 127.0.0.1:$port }
EOF
    docker-registry serve "$root.yml" >"$root.log" 2>&1 &
  fi
  started=$!
  pids+=("$started")
  wait_port "$port"
}

secs() { local t0 t1; t0=$(date +%s.%N); "$@" >/dev/null; t1=$(date +%s.%N); echo "$t1 - $t0" | bc; }
median() { sort -n | awk '{a[NR]=$1} END {print (NR%2 ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2)}'; }

for image in ${IMAGES:-busybox debian}; do
  src="drydock-bench/$image:src"
  # A layer no other local image shares (other images imported from the same fixture would
  # keep it after `docker rmi`, and the pull would then skip it): the fixture plus a unique file.
  cp "$FIXTURES/$image-rootfs.tar" "$work/$image.tar"
  echo "$(date +%s%N)-$$" >"$work/drydock-bench-id"
  tar --append -f "$work/$image.tar" -C "$work" drydock-bench-id
  docker import "$work/$image.tar" "$src" >/dev/null
  rm -f "$work/$image.tar"
  for kind in drydock distribution; do
    : >"$work/push" ; : >"$work/pull"
    for round in $(seq 1 "$ROUNDS"); do
      port=$(free_port)
      start_registry "$kind" "$work/$kind-$image-$round" "$port"
      ref="127.0.0.1:$port/bench/$image:1"
      docker tag "$src" "$ref"
      secs docker push "$ref" >>"$work/push"
      docker rmi "$ref" "$src" >/dev/null
      secs docker pull "$ref" >>"$work/pull"
      docker tag "$ref" "$src"
      docker rmi "$ref" >/dev/null
      kill "$started"; wait "$started" 2>/dev/null || true
    done
    size=$(du -sh "$work/$kind-$image-1" | cut -f1)
    printf '%-8s %-13s push %6.2fs  pull %6.2fs  (median of %d, stored %s)\n' "$image" "$kind" "$(median <"$work/push")" "$(median <"$work/pull")" "$ROUNDS" "$size"
  done
  docker rmi "$src" >/dev/null
done
