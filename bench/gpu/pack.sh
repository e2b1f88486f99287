#!/usr/bin/env bash
# Packs what a bare GPU machine (pip CUDA torch, cmake, g++, no .NET) needs to run the GPU check and the load benchmark:
# the .NET runtime, the framework-dependent bench builds, and the tiny reference UNet, into .gpu/ (git-ignored).
# Then, on that machine, from the repository root: bash bench/gpu/run.sh
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
cd "$root"
grep -qx "/.gpu/" .git/info/exclude 2>/dev/null || { mkdir -p .git/info; echo "/.gpu/" >> .git/info/exclude; }
rm -rf .gpu && mkdir -p .gpu/ref/models
dotnet build bench/Models.Bench -c Release -v quiet -nologo -clp:NoSummary
dotnet build bench/Load.Bench -c Release -v quiet -nologo -clp:NoSummary
dotnet build src/Training -c Release -v quiet -nologo -clp:NoSummary
cp -r bench/Models.Bench/bin/Release/net10.0 .gpu/models && rm -rf .gpu/models/linux-x64
cp -r bench/Load.Bench/bin/Release/net10.0 .gpu/load
cp -r src/Training/bin/Release/net10.0 .gpu/train
cp -r ../shared/ref/models/tiny-sd15 .gpu/ref/models/
dotnet_root=$(dirname "$(readlink -f "$(command -v dotnet)")")
tar -C "$dotnet_root" -cJf .gpu/dotnet-runtime.tar.xz dotnet host shared/Microsoft.NETCore.App shared/Microsoft.AspNetCore.App
du -sh .gpu
