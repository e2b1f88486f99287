# syntax=docker/dockerfile:1
# The server and the training host on CPU: Debian 12 with Debian's libtorch, as CI builds and tests them.
#   docker build -f docker/cpu.Dockerfile --target server   -t align-server:cpu .
#   docker build -f docker/cpu.Dockerfile --target training -t align-train:cpu .
ARG DOTNET_VERSION=10.0
FROM mcr.microsoft.com/dotnet/sdk:${DOTNET_VERSION} AS dotnet-sdk
FROM mcr.microsoft.com/dotnet/aspnet:${DOTNET_VERSION} AS dotnet-runtime

# The build stage runs scripts/setup.sh, the README's setup: its apt packages (and CA certificates for NuGet), then scripts/build.sh.
FROM debian:bookworm AS build
COPY --from=dotnet-sdk /usr/share/dotnet /usr/share/dotnet
ENV PATH=/usr/share/dotnet:$PATH DOTNET_ROOT=/usr/share/dotnet DOTNET_CLI_TELEMETRY_OPTOUT=1
WORKDIR /src
COPY . .
RUN EXTRA_PACKAGES=ca-certificates PUBLISH_DIR=/out bash scripts/setup.sh

FROM debian:bookworm-slim AS runtime
ARG VERSION=dev
ARG REVISION=unknown
LABEL org.opencontainers.image.title="align" \
      org.opencontainers.image.description="Text-to-image server with request-time alignment, and its training host (CPU)" \
      org.opencontainers.image.version="${VERSION}" \
      org.opencontainers.image.revision="${REVISION}" \
      org.opencontainers.image.base.name="docker.io/library/debian:bookworm-slim"
RUN apt-get update && apt-get install -y --no-install-recommends libtorch1.13 libopenblas0-pthread libicu72 curl ca-certificates \
    && update-alternatives --set libblas.so.3-x86_64-linux-gnu /usr/lib/x86_64-linux-gnu/openblas-pthread/libblas.so.3 \
    && rm -rf /var/lib/apt/lists/* \
    && useradd --uid 10001 --user-group --no-create-home --home-dir /nonexistent align \
    && mkdir -p /var/lib/align/models /var/lib/align/adapters /var/lib/align/runs \
    && chown align:align /var/lib/align/adapters /var/lib/align/runs
COPY --from=dotnet-runtime /usr/share/dotnet /usr/share/dotnet
ENV PATH=/usr/share/dotnet:$PATH DOTNET_ROOT=/usr/share/dotnet DOTNET_CLI_TELEMETRY_OPTOUT=1
COPY --from=build /src/models/shapeworld /app/models/shapeworld
VOLUME ["/var/lib/align/models", "/var/lib/align/adapters"]
WORKDIR /app

FROM runtime AS server
COPY --from=build /out/server /app/server
USER 10001:10001
ENV Server__Adapters__Store=/var/lib/align/adapters
EXPOSE 8080 50051
HEALTHCHECK --interval=30s --timeout=5s --start-period=120s CMD curl -fsS http://127.0.0.1:8080/healthz || exit 1
ENTRYPOINT ["dotnet", "/app/server/Server.dll"]

FROM runtime AS training
COPY --from=build /out/training /app/training
USER 10001:10001
VOLUME ["/var/lib/align/runs"]
HEALTHCHECK NONE
ENTRYPOINT ["dotnet", "/app/training/align-train.dll"]
