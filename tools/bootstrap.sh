# shellcheck shell=bash
# Sourced by tools/test.sh and tools/main.sh (and by you: `source tools/bootstrap.sh`).
#
# On a machine with nothing but Node/npm it:
#   1. installs the pinned Deno from the npm registry into tools/deno-bin (package-lock.json pins it;
#      install scripts are never run: the native binary ships inside the @deno/<platform> package),
#   2. puts that binary first on PATH and sets DENO_TLS_CA_STORE=system (npm is reached through a
#      TLS proxy whose CA lives in the system store),
#   3. runs `deno install --frozen` so npm packages come from the committed deno.lock (deno.json's
#      allowScripts keeps their install scripts from running).
# Idempotent and silent when everything is already in place; on failure it prints the tool's output
# and returns non-zero (it never exits the shell that sourced it).
#
# Exports: MAGRPO_ROOT (the repository root), DENO_TLS_CA_STORE, PATH.

MAGRPO_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
export MAGRPO_ROOT
export DENO_TLS_CA_STORE=system

# The @deno/<platform> npm package whose `deno` file is the native binary for this machine.
_magrpo_deno_platform() {
  case "$(uname -s)-$(uname -m)" in
    Linux-x86_64) echo "linux-x64-glibc" ;;
    Linux-aarch64 | Linux-arm64) echo "linux-arm64-glibc" ;;
    Darwin-x86_64) echo "darwin-x64" ;;
    Darwin-arm64) echo "darwin-arm64" ;;
    *) return 1 ;;
  esac
}

# Reads `"deno": "X.Y.Z"` (pinned version) or `"version": "X.Y.Z"` from a package.json.
_magrpo_json_field() { sed -n "s/.*\"$2\": *\"\\([^\"]*\\)\".*/\\1/p" "$1" | head -n 1; }

_magrpo_bootstrap() {
  local toolchain="$MAGRPO_ROOT/tools/deno-bin" platform want have bin_dir log
  platform="$(_magrpo_deno_platform)" || {
    echo "tools/bootstrap.sh: unsupported platform $(uname -s)-$(uname -m) (expected Linux or macOS, x86_64 or arm64)" >&2
    return 1
  }
  want="$(_magrpo_json_field "$toolchain/package.json" deno)"
  bin_dir="$toolchain/node_modules/@deno/$platform"
  have=""
  [ -f "$bin_dir/package.json" ] && have="$(_magrpo_json_field "$bin_dir/package.json" version)"

  if [ ! -x "$bin_dir/deno" ] || [ "$have" != "$want" ]; then
    command -v npm >/dev/null 2>&1 || {
      echo "tools/bootstrap.sh: npm not found; install Node.js (with npm) first" >&2
      return 1
    }
    # Node does not read the system CA store by itself; the registry may sit behind a TLS proxy.
    if [ -z "${NODE_EXTRA_CA_CERTS:-}" ] && [ -f /etc/ssl/certs/ca-certificates.crt ]; then
      export NODE_EXTRA_CA_CERTS=/etc/ssl/certs/ca-certificates.crt
    fi
    log="$(npm ci --prefix "$toolchain" --ignore-scripts --no-audit --no-fund --loglevel=error 2>&1)" || {
      printf '%s\n' "$log" >&2
      echo "tools/bootstrap.sh: 'npm ci --prefix tools/deno-bin' failed (see above)" >&2
      return 1
    }
    [ -x "$bin_dir/deno" ] || {
      echo "tools/bootstrap.sh: npm ci finished but $bin_dir/deno is missing" >&2
      return 1
    }
  fi

  case ":$PATH:" in
    *":$bin_dir:"*) ;;
    *) export PATH="$bin_dir:$PATH" ;;
  esac

  log="$(cd "$MAGRPO_ROOT" && deno install --frozen --quiet 2>&1)" || {
    printf '%s\n' "$log" >&2
    echo "tools/bootstrap.sh: 'deno install --frozen' failed (is deno.lock up to date with deno.json?)" >&2
    return 1
  }
}

_magrpo_bootstrap
