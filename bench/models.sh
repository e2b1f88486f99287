#!/usr/bin/env bash
# Model benchmark: builds Release and times text encoder, UNet and VAE decode for the reference models and for
# SD 1.5-sized random models (UNet at 64x64 latents), plus peak RSS. Options: --threads N, --skip-sd15, --json PATH.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
dotnet build bench/Models.Bench -c Release -v quiet -nologo -clp:NoSummary >&2
exec dotnet bench/Models.Bench/bin/Release/net10.0/Models.Bench.dll "$@"
