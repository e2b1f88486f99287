#!/usr/bin/env bash
# Sets up this machine and runs every test project; ends with one "N passed, N failed" line.
set -uo pipefail
cd "$(dirname "$0")/.."
# Peers the tests check against: Pillow decodes our PNGs; promtool and Prometheus read /metrics; grpcio (with protoc
# for its messages) and @grpc/grpc-js (npm, below) call the gRPC API; headless Chromium, driven by playwright-core (npm),
# uses the web playground.
peers="python3 python3-pil prometheus python3-grpcio python3-protobuf protobuf-compiler chromium"
# Node may come from elsewhere (NodeSource ships npm inside nodejs); only a machine without npm gets Debian's.
command -v npm >/dev/null 2>&1 || peers="$peers nodejs npm"
# kubectl renders k8s/ (kubectl kustomize, offline). Debian 12 ships it as kubernetes-client; a machine whose kubectl
# comes from elsewhere (a "kubectl" package of another archive) keeps it: the two packages would clash.
command -v kubectl >/dev/null 2>&1 || peers="$peers kubernetes-client"
export EXTRA_PACKAGES="$peers ${EXTRA_PACKAGES:-}"
CONFIGURATION=Release bash scripts/setup.sh || exit 1
source scripts/node-for-peers.sh || exit 1

# The Node peers' packages (each folder under tests/ with a package-lock.json), from their locks: npm ci again only when
# node_modules is missing or the lock changed.
while IFS= read -r lock; do
  node_peer=$(dirname "$lock")
  lock_sum=$(sha256sum "$lock" | cut -d' ' -f1)
  if [ "$(cat "$node_peer/node_modules/.lock-sha256" 2>/dev/null)" != "$lock_sum" ]; then
    echo "test: npm ci in $node_peer"
    (cd "$node_peer" && npm ci --no-audit --no-fund) || exit 1
    echo "$lock_sum" > "$node_peer/node_modules/.lock-sha256"
  fi
done < <(find tests -name package-lock.json -not -path '*/node_modules/*' | sort)

mkdir -p artifacts
log=artifacts/test.log
dotnet test Server.sln -c Release --no-build -nologo 2>&1 | tee "$log"
status=${PIPESTATUS[0]}

# Sum dotnet's per-assembly summaries ("Passed!  - Failed: 0, Passed: 12, Skipped: 0, ...").
passed=$(grep -oE 'Passed: +[0-9]+' "$log" | awk '{s+=$2} END {print s+0}')
failed=$(grep -oE 'Failed: +[0-9]+' "$log" | awk '{s+=$2} END {print s+0}')
assemblies=$(grep -cE '^(Passed|Failed)!' "$log")
echo "test assemblies: $assemblies"
echo "$passed passed, $failed failed"
if [ "$status" -eq 0 ] && [ "$failed" -ne 0 ]; then status=1; fi
if [ "$status" -eq 0 ] && [ "$passed" -eq 0 ]; then echo "no test ran" >&2; status=1; fi
exit "$status"
