#!/usr/bin/env bash
# Engine benchmark: builds Release, then measures our tensor engine beside PyTorch (Debian's python3-torch,
# the same libtorch our shim links) in one run and prints one table; all figures also go to a JSON file.
#   bench/engine.sh [--threads N] [--rounds N] [--json PATH] [--only TEXT] ...   (see --help of Torch.Bench)
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
# PyTorch side: Debian's python3-torch (same libtorch 1.13 our shim links).
dpkg-query -W -f='${Status}' python3-torch 2>/dev/null | grep -q "install ok installed" \
  || EXTRA_PACKAGES=python3-torch CONFIGURATION=Release bash scripts/setup.sh >&2
dotnet build bench/Torch.Bench -c Release -v quiet -nologo -clp:NoSummary >&2
exec dotnet bench/Torch.Bench/bin/Release/net10.0/Torch.Bench.dll --python /usr/bin/python3 --script bench/torch_bench.py "$@"
