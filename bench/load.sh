#!/usr/bin/env bash
# Load benchmark: the real server under concurrent HTTP clients at concurrency 1/8/32, batching on and off; prints
# throughput, p50/p99 latency and the server's overhead per request. Options: see bench/Load.Bench/Program.cs.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
dotnet build bench/Load.Bench -c Release -v quiet -nologo -clp:NoSummary >&2
exec dotnet bench/Load.Bench/bin/Release/net10.0/Load.Bench.dll "$@"
