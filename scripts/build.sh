#!/usr/bin/env bash
# Builds the native shim against a libtorch with CMake, then the .NET projects. scripts/setup.sh and the build stage of
# every image in docker/ run this same script, so the images build the way CI does.
#   LIBTORCH=DIR        libtorch root with include/ and lib/ (default: Debian's libtorch-dev); for pip's CUDA torch,
#                       python3 -c 'import torch, os; print(os.path.dirname(torch.__file__))'
#   TORCH_CUDA=ON       link libtorch's CUDA libraries (their kernels register when the shim loads)
#   TORCH_CXX11_ABI=0|1 _GLIBCXX_USE_CXX11_ABI of that libtorch (pip: torch._C._GLIBCXX_USE_CXX11_ABI)
#   CONFIGURATION       Release (default) or Debug
#   PUBLISH_DIR=DIR     publish the server to DIR/server and align-train to DIR/training instead of building the solution
set -euo pipefail
cd "$(dirname "$0")/.."
configuration=${CONFIGURATION:-Release}

cmake_args=(-DCMAKE_BUILD_TYPE=Release)
if [ -n "${LIBTORCH:-}" ]; then
  [ -d "$LIBTORCH/lib" ] || { echo "build: LIBTORCH=$LIBTORCH has no lib/ folder" >&2; exit 1; }
  cmake_args+=(-DTORCH_ROOT="$LIBTORCH")
fi
case "${TORCH_CUDA:-OFF}" in
  ON|OFF) cmake_args+=(-DTORCH_CUDA="${TORCH_CUDA:-OFF}") ;;
  *) echo "build: TORCH_CUDA must be ON or OFF, not '$TORCH_CUDA'" >&2; exit 1 ;;
esac
case "${TORCH_CXX11_ABI:-}" in
  ""|0|1) cmake_args+=(-DTORCH_CXX11_ABI="${TORCH_CXX11_ABI:-}") ;;
  *) echo "build: TORCH_CXX11_ABI must be 0 or 1, not '$TORCH_CXX11_ABI'" >&2; exit 1 ;;
esac

# The folder src/Torch/Torch.csproj takes the shim from: MSBuild finds it up to date and does not build it again.
shim_dir=src/Torch/obj/native
cmake -S src/Torch/native -B "$shim_dir" "${cmake_args[@]}" >/dev/null
cmake --build "$shim_dir" -j "$(nproc)"

if [ -n "${PUBLISH_DIR:-}" ]; then
  dotnet publish src/Server -c "$configuration" -nologo -v quiet -o "$PUBLISH_DIR/server"
  dotnet publish src/Training -c "$configuration" -nologo -v quiet -o "$PUBLISH_DIR/training"
else
  dotnet build Server.sln -c "$configuration" -nologo -v quiet
fi
