# syntax=docker/dockerfile:1
# The server and the training host on NVIDIA GPUs: CUDA libtorch from pip's torch wheel, the shim built against it.
#   docker build -f docker/gpu.Dockerfile --target server   -t align-server:gpu .
#   docker build -f docker/gpu.Dockerfile --target training -t align-train:gpu .
ARG DOTNET_VERSION=10.0
ARG CUDA_IMAGE=nvidia/cuda:12.4.1-cudnn-runtime-ubuntu22.04
FROM mcr.microsoft.com/dotnet/sdk:${DOTNET_VERSION} AS dotnet-sdk
FROM mcr.microsoft.com/dotnet/aspnet:${DOTNET_VERSION} AS dotnet-runtime

# The build stage runs scripts/build.sh, the script scripts/setup.sh runs, pointed at the wheel's libtorch.
# torch lives in /opt/torch so the shim's RPATH (TORCH_ROOT/lib) is the same path in the final stage.
FROM ubuntu:22.04 AS build
ARG TORCH_VERSION=2.5.1
ARG TORCH_INDEX=https://download.pytorch.org/whl/cu124
RUN apt-get update && apt-get install -y --no-install-recommends python3 python3-pip cmake g++ make libicu70 ca-certificates \
    && rm -rf /var/lib/apt/lists/*
RUN pip3 install --no-cache-dir --target /opt/torch --index-url "$TORCH_INDEX" "torch==${TORCH_VERSION}"
COPY --from=dotnet-sdk /usr/share/dotnet /usr/share/dotnet
ENV PATH=/usr/share/dotnet:$PATH DOTNET_ROOT=/usr/share/dotnet DOTNET_CLI_TELEMETRY_OPTOUT=1
WORKDIR /src
COPY . .
RUN export LIBTORCH=/opt/torch/torch TORCH_CUDA=ON \
           TORCH_CXX11_ABI=$(PYTHONPATH=/opt/torch python3 -c 'import torch; print(int(torch._C._GLIBCXX_USE_CXX11_ABI))') \
    && PUBLISH_DIR=/out bash scripts/build.sh

FROM ${CUDA_IMAGE} AS runtime
ARG VERSION=dev
ARG REVISION=unknown
LABEL org.opencontainers.image.title="align" \
      org.opencontainers.image.description="Text-to-image server with request-time alignment, and its training host (CUDA)" \
      org.opencontainers.image.version="${VERSION}" \
      org.opencontainers.image.revision="${REVISION}" \
      org.opencontainers.image.base.name="docker.io/${CUDA_IMAGE}"
RUN apt-get update && apt-get install -y --no-install-recommends libicu70 curl ca-certificates \
    && rm -rf /var/lib/apt/lists/* \
    && useradd --uid 10001 --user-group --no-create-home --home-dir /nonexistent align \
    && mkdir -p /var/lib/align/models /var/lib/align/adapters /var/lib/align/runs \
    && chown align:align /var/lib/align/adapters /var/lib/align/runs
COPY --from=dotnet-runtime /usr/share/dotnet /usr/share/dotnet
# libtorch and the CUDA libraries the wheel loads through its RPATH (nvidia/*/lib); no Python in this stage.
COPY --from=build /opt/torch/torch/lib /opt/torch/torch/lib
COPY --from=build /opt/torch/nvidia /opt/torch/nvidia
ENV PATH=/usr/share/dotnet:$PATH DOTNET_ROOT=/usr/share/dotnet DOTNET_CLI_TELEMETRY_OPTOUT=1 \
    NVIDIA_VISIBLE_DEVICES=all NVIDIA_DRIVER_CAPABILITIES=compute,utility
COPY --from=build /src/models/shapeworld /app/models/shapeworld
VOLUME ["/var/lib/align/models", "/var/lib/align/adapters"]
WORKDIR /app

FROM runtime AS server
COPY --from=build /out/server /app/server
USER 10001:10001
ENV Server__Adapters__Store=/var/lib/align/adapters Server__Device=cuda:0
EXPOSE 8080 50051
HEALTHCHECK --interval=30s --timeout=5s --start-period=300s CMD curl -fsS http://127.0.0.1:8080/healthz || exit 1
ENTRYPOINT ["dotnet", "/app/server/Server.dll"]

FROM runtime AS training
COPY --from=build /out/training /app/training
USER 10001:10001
VOLUME ["/var/lib/align/runs"]
HEALTHCHECK NONE
ENTRYPOINT ["dotnet", "/app/training/align-train.dll"]
