#!/usr/bin/env bash
# Installs what building and running need on Debian 12 (as root), then builds the solution.
# Safe to run again: apt runs only when a package is missing, builds are incremental.
#   EXTRA_PACKAGES="..."  more Debian packages to install (the test script adds its peers)
#   CONFIGURATION=Release|Debug (default Release)
#   LIBTORCH, TORCH_CUDA, TORCH_CXX11_ABI, PUBLISH_DIR: passed on to scripts/build.sh (the images' build stages use them)
set -euo pipefail
cd "$(dirname "$0")/.."

packages=(libtorch-dev libopenblas0-pthread libicu72 cmake g++ make ${EXTRA_PACKAGES:-})
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  echo "setup: installing ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -q
  apt-get install -y -q --no-install-recommends "${missing[@]}"
fi

# libtorch's matmul goes through libblas.so.3: Debian's reference BLAS is ~24x slower than OpenBLAS.
blas=$(readlink -f /usr/lib/x86_64-linux-gnu/libblas.so.3 || true)
case "$blas" in
  *openblas*) ;;
  *) echo "setup: selecting OpenBLAS for libblas.so.3"
     update-alternatives --set libblas.so.3-x86_64-linux-gnu /usr/lib/x86_64-linux-gnu/openblas-pthread/libblas.so.3 ;;
esac

if ! command -v dotnet >/dev/null 2>&1 || ! dotnet --list-sdks | grep -q '^10\.'; then
  echo "setup: the .NET 10 SDK is required (dotnet on PATH); Debian's archive does not carry it." >&2
  exit 1
fi

bash scripts/build.sh
