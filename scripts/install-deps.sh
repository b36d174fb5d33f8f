#!/usr/bin/env bash
# Installs what llmctl needs to build and test, and only what is missing. Idempotent.
# Debian 12 (bookworm), as root (or with sudo). Debian packages via apt-get; npm test packages
# from the committed package.json + package-lock.json via `npm ci`.
set -euo pipefail
cd "$(dirname "$0")/.."

packages=(
  build-essential cmake ninja-build ccache pkg-config git
  libboost1.81-dev libboost-json1.81-dev libyaml-cpp-dev libcli11-dev libfmt-dev
  libssl-dev libsqlite3-dev sqlite3 prometheus openssl ca-certificates python3
  libhiredis-dev libxxhash-dev redis-server
  libgtest-dev libgmock-dev libbenchmark-dev
  clang-format
  chromium
)
# Node.js may come from outside Debian (NodeSource bundles npm): check the commands instead.
command -v node >/dev/null || packages+=(nodejs)
command -v npm >/dev/null || packages+=(npm)

as_root() {
  if [ "$(id -u)" -eq 0 ]; then "$@"; elif command -v sudo >/dev/null; then sudo "$@"; else
    echo "install-deps: need root (or sudo) to install: $*" >&2; exit 2; fi
}

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  echo "install-deps: installing ${missing[*]}"
  as_root apt-get update -qq
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi

# npm test packages (validators and official SDKs used by the integration tests). Reinstall only
# when the lockfile changed since the last install.
if [ -f package-lock.json ]; then
  stamp=node_modules/.package-lock.json
  if [ ! -f "$stamp" ] || [ package-lock.json -nt "$stamp" ]; then
    echo "install-deps: npm ci"
    npm ci --no-audit --no-fund --loglevel=error
  fi
fi
