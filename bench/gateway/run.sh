#!/usr/bin/env bash
# The gateway benchmark: `llmctl mock` measured directly, through `llmctl gateway`, nginx (plain
# reverse proxy, upstream keep-alive) and Portkey's gateway, in one run; one table with ratios to
# nginx. See bench/gateway/README.md.
#
# Usage: bench/gateway/run.sh [--build-dir DIR] [--no-portkey] [--no-nginx] [run.py options...]
#   e.g. bench/gateway/run.sh --repeats 3 --duration 5 --rates 500,1000,2000,4000
#        bench/gateway/run.sh --governance --rounds 5   # governance overhead (needs redis-server)
#        bench/gateway/run.sh --otlp --rounds 5         # tracing overhead (nginx beside it)
# Needs: a release build with the llmctl and gateway_load targets
#   (cmake --build --preset release --target llmctl gateway_load), python3, taskset,
#   nginx (Debian: apt-get install -y nginx), node + npm for Portkey (installed on first use
#   into the build tree: @portkey-ai/gateway@1.15.2, see the note below).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
build="$root/build/release"
portkey=1
nginx=1
pass=()
while (($#)); do
  case "$1" in
    --build-dir) build=$(cd "$2" && pwd); shift 2 ;;
    --no-portkey) portkey=0; shift ;;
    --no-nginx) nginx=0; shift ;;
    --governance) portkey=0; nginx=0; pass+=("$1"); shift ;;
    --otlp) portkey=0; pass+=("$1"); shift ;;
    *) pass+=("$1"); shift ;;
  esac
done

llmctl="$build/src/cli/llmctl"
load="$build/bench/gateway/gateway_load"
for bin in "$llmctl" "$load"; do
  if [[ ! -x "$bin" ]]; then
    echo "gateway bench: $bin not found; build it first:" >&2
    echo "  cmake --preset release && cmake --build --preset release --target llmctl gateway_load" >&2
    exit 2
  fi
done

args=(--llmctl "$llmctl" --load "$load")
if ((nginx)); then
  ngx=$(command -v nginx || true)
  [[ -z "$ngx" && -x /usr/sbin/nginx ]] && ngx=/usr/sbin/nginx
  if [[ -z "$ngx" ]]; then
    echo "gateway bench: nginx not found. Install it (Debian/Ubuntu: apt-get install -y nginx)," >&2
    echo "  or run with --no-nginx (no ratios to nginx then)." >&2
    exit 2
  fi
  args+=(--nginx "$ngx")
fi

if ((portkey)); then
  # @portkey-ai/gateway asks for @hono/node-server ^1.3.3; npm resolves that to the newest 1.x,
  # whose lightweight Response keeps the upstream's immutable Headers, and Portkey then fails
  # every stream with "TypeError: immutable" (Portkey-AI/gateway issues #1389, #1550; 1.14.2
  # fails too). 1.13.8 works, so the cache pins it with an npm override, in the cache's own
  # package.json under the build tree (not the repository's).
  pk_version=1.15.2
  hono_version=1.13.8
  pk_dir="$build/bench/gateway/portkey-$pk_version-hono-$hono_version"
  pk_js="$pk_dir/node_modules/@portkey-ai/gateway/build/start-server.js"
  if [[ ! -f "$pk_js" ]]; then
    if ! command -v npm >/dev/null || ! command -v node >/dev/null; then
      echo "gateway bench: node and npm are needed for Portkey (or pass --no-portkey)" >&2
      exit 2
    fi
    echo "gateway bench: installing @portkey-ai/gateway@$pk_version into $pk_dir (once)" >&2
    mkdir -p "$pk_dir"
    printf '%s\n' '{"name": "llmctl-gateway-bench-portkey", "private": true,' \
      " \"dependencies\": {\"@portkey-ai/gateway\": \"$pk_version\"}," \
      " \"overrides\": {\"@hono/node-server\": \"$hono_version\"}}" >"$pk_dir/package.json"
    npm install --no-audit --no-fund --prefix "$pk_dir" >&2
  fi
  args+=(--portkey "$pk_js")
fi

# 1,000 concurrent streams need about 2,000 descriptors in the proxy and 1,000 in the client.
ulimit -n 65536 2>/dev/null || ulimit -n "$(ulimit -Hn)"
exec python3 "$here/run.py" "${args[@]}" "${pass[@]+"${pass[@]}"}"
