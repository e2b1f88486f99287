# Sourced by test.sh: puts a Node.js of 20 or later first on PATH for the Node peers (playwright-core, openai and
# kubernetes-models need it; Debian 12's nodejs is 18). The npm registry ships Node itself as a package
# (node-linux-<arch>, the binary inside it), installed once into .native/node.
node_major=$(node -p 'process.versions.node.split(".")[0]' 2>/dev/null || echo 0)
if [ "$node_major" -lt 20 ]; then
  case "$(uname -m)" in
    x86_64) node_arch=x64 ;;
    aarch64) node_arch=arm64 ;;
    *) echo "test: Node.js $node_major is older than 20 and no node-linux package is known for $(uname -m)" >&2; return 1 ;;
  esac
  node_bin="$PWD/.native/node/node_modules/node-linux-$node_arch/bin"
  if [ ! -x "$node_bin/node" ]; then
    echo "test: Node.js $node_major is older than the peers need (20); installing node-linux-$node_arch@22 from npm into .native/node"
    npm install --no-audit --no-fund --prefix .native/node "node-linux-$node_arch@22" || return 1
  fi
  export PATH="$node_bin:$PATH"
fi
