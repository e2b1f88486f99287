#!/usr/bin/env bash
# On the GPU machine, after bench/gpu/pack.sh here: unpacks the .NET runtime, builds the shim against the machine's pip
# CUDA torch, swaps it into the packed builds, then runs the GPU check (bench/Models.Bench --gpu-check) and the load
# benchmark on cuda:0 and on the machine's CPU. Writes the figures to $OUT (or artifacts/gpu).
# Usage: bash bench/gpu/run.sh [check] [load-cuda] [load-cpu] [align] [eval]   (default: the first three)
# align: the alignment methods' costs (Models.Bench --alignment) on cuda:0.
# eval: the ShapeWorld efficacy runs of align-train eval on cuda:0, methods from $EVAL_METHODS, sizes from $EVAL_ARGS.
set -uo pipefail
parts=${*:-check load-cuda load-cpu}
out=${OUT:-artifacts/gpu}
mkdir -p "$out" /opt/dotnet
tar -C /opt/dotnet -xJf .gpu/dotnet-runtime.tar.xz
export PATH=/opt/dotnet:$PATH DOTNET_ROOT=/opt/dotnet DOTNET_CLI_TELEMETRY_OPTOUT=1
ldconfig -p | grep -q libicuuc || { echo "no ICU: invariant globalization"; export DOTNET_SYSTEM_GLOBALIZATION_INVARIANT=1; }
nvidia-smi -L
torch_root=$(python3 -c 'import torch, os; print(os.path.dirname(torch.__file__))')
abi=$(python3 -c 'import torch; print(int(torch._C._GLIBCXX_USE_CXX11_ABI))')
cmake -S src/Torch/native -B /tmp/shim -DTORCH_ROOT="$torch_root" -DTORCH_CUDA=ON -DTORCH_CXX11_ABI="$abi" >/tmp/cmake.log 2>&1 \
  && cmake --build /tmp/shim -j"$(nproc)" >/tmp/build.log 2>&1 || { tail -30 /tmp/cmake.log /tmp/build.log; exit 1; }
for d in models load train; do cp /tmp/shim/libtorchshim.so .gpu/$d/; done
if [[ " $parts " == *" check "* ]]; then (cd .gpu/models && dotnet Models.Bench.dll --gpu-check --ref ../ref --threads "$(nproc)") 2>&1 | tee "$out/gpu-check.txt"; fi
if [[ " $parts " == *" load-cuda "* ]]; then (cd .gpu/load && dotnet Load.Bench.dll --device cuda:0 --batch 16 --json "$out/load-cuda.json") 2>&1 | tee "$out/load-cuda.txt"; fi
if [[ " $parts " == *" load-cpu "* ]]; then (cd .gpu/load && dotnet Load.Bench.dll --device cpu --batch 8 --json "$out/load-cpu.json") 2>&1 | tee "$out/load-cpu.txt"; fi
if [[ " $parts " == *" align "* ]]; then (cd .gpu/models && dotnet Models.Bench.dll --alignment --device cuda:0) 2>&1 | tee "$out/align.txt"; fi
if [[ " $parts " == *" eval "* ]]; then
  for m in ${EVAL_METHODS:-base}; do
    dotnet .gpu/train/align-train.dll eval --model models/shapeworld/model --reward "${EVAL_REWARD:-models/shapeworld/reward}" --device cuda:0 \
      --method "$m" ${EVAL_ARGS:-} --out "/tmp/eval-${m//[:+]/_}" 2>&1 | tail -11 | tee -a "$out/eval.txt"
  done
fi
