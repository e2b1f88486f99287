#!/usr/bin/env bash
# Sets up this machine and runs the server (HTTP on 8080; options: Server__HttpPort, Server__BindAddress).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
exec dotnet src/Server/bin/Release/net10.0/Server.dll "$@"
