#!/usr/bin/env bash
# Sets up this machine and runs every test project; ends with one "N passed, N failed" line.
set -uo pipefail
cd "$(dirname "$0")/.."
# Peers the tests check against: Pillow decodes our PNGs; promtool and Prometheus read /metrics.
export EXTRA_PACKAGES="python3 python3-pil prometheus ${EXTRA_PACKAGES:-}"
CONFIGURATION=Release bash scripts/setup.sh || exit 1

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
