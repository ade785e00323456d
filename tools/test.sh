#!/usr/bin/env bash
# The project's test command: `bash tools/test.sh` (CI runs it through .ci/run).
#
#   1. bootstraps the pinned Deno and the npm packages (tools/bootstrap.sh),
#   2. installs Jupyter's Python client from Debian packages if /usr/bin/python3 lacks it,
#      bubblewrap (the sandbox's isolation) if bwrap is missing, and Mesa's lavapipe Vulkan
#      driver from bookworm-backports (the WebGPU tests' adapter) if it is missing,
#   3. runs `deno test -A --doc tests/ lib/ mod.ts` (unit tests and every @example),
#   4. executes every notebooks/*.ipynb headlessly with tools/run_notebooks.py (one test each),
#   5. prints one closing line `tests: N passed, N failed` and exits non-zero if anything failed.
#
# Environment: NOTEBOOK_CELL_TIMEOUT (seconds per cell, default 900).
set -uo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
passed=0
failed=0

finish() {
  echo "tests: $passed passed, $failed failed"
  [ "$failed" -eq 0 ]
  exit $?
}

# shellcheck source=tools/bootstrap.sh
source "$root/tools/bootstrap.sh" || {
  echo "tools/test.sh: bootstrap failed" >&2
  failed=1
  finish
}

# Debian bookworm packages that give /usr/bin/python3 jupyter_client (+ pyzmq) and nbformat.
JUPYTER_DEBS=(python3-jupyter-client python3-nbformat)

# Installs Debian packages as root (apt options such as `-t SUITE` may precede them), printing
# apt's output only when it fails and the time taken when it succeeds. $1 names what is installed.
apt_get_install() {
  local what="$1" start=$SECONDS log
  shift
  echo "tools/test.sh: installing $what with apt-get ..." >&2
  log="$( (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq \
    --no-install-recommends "$@") 2>&1)" || {
    printf '%s\n' "$log" >&2
    echo "tools/test.sh: apt-get install $* failed" >&2
    return 1
  }
  echo "tools/test.sh: $what installed in $((SECONDS - start)) s" >&2
}

# Whether we are root; if not, says what is missing ($1), what fails without it ($2) and the
# apt-get command that installs the packages ($3...), and returns 1.
root_or_hint() {
  [ "$(id -u)" -eq 0 ] && return 0
  echo "tools/test.sh: $1 is missing, $2; as root run:" >&2
  shift 2
  echo "  apt-get update && apt-get install -y --no-install-recommends $*" >&2
  return 1
}

ensure_jupyter() {
  /usr/bin/python3 -c "import jupyter_client, nbformat" 2>/dev/null && return 0
  root_or_hint "jupyter_client/nbformat for /usr/bin/python3" "notebooks will not run" \
    "${JUPYTER_DEBS[@]}" || return 1
  apt_get_install "the Jupyter client (${JUPYTER_DEBS[*]})" "${JUPYTER_DEBS[@]}" || return 1
  /usr/bin/python3 -c "import jupyter_client, nbformat"
}

# bubblewrap isolates the Python sandbox by the kernel; without it runPython refuses to run.
ensure_bwrap() {
  command -v bwrap >/dev/null 2>&1 && return 0
  root_or_hint "bubblewrap (bwrap)" "sandbox tests will fail" bubblewrap || return 1
  apt_get_install bubblewrap bubblewrap
}

# Redis for the distributed-training test (tests/distributed_test.ts starts its own redis-server on
# a free port in a temporary folder): Debian's redis-server package, installed when missing.
ensure_redis() {
  command -v redis-server >/dev/null 2>&1 && return 0
  root_or_hint redis-server "the distributed test will fail" redis-server || return 1
  apt_get_install redis-server redis-server
}

# The Vulkan driver that lets onnxruntime's WebGPU provider run with no GPU (tests/webgpu_test.ts):
# Mesa's lavapipe. Bookworm's own Mesa (22.3.6) lacks two features Dawn requires
# (shaderSampledImageArrayDynamicIndexing, shaderStorageImageArrayDynamicIndexing: "No supported
# adapters"); bookworm-backports has 25.x. Adds that suite from the mirror the system's apt sources
# already use, then installs from it (~10 s). Skipped when Mesa ≥ 25 and libvulkan1 are present.
LAVAPIPE_DEBS=(mesa-vulkan-drivers libvulkan1)

lavapipe_present() {
  local v
  v="$(dpkg-query -W -f='${Version}' mesa-vulkan-drivers 2>/dev/null)" || return 1
  dpkg --compare-versions "$v" ge 25 || return 1
  dpkg-query -W -f='${Status}' libvulkan1 2>/dev/null | grep -q "ok installed"
}

# The first URI that the system's apt sources (deb822 *.sources or one-line *.list) give for the
# Debian suite $1 (e.g. "bookworm"); deb.debian.org when none does.
debian_mirror() {
  local suite="$1" uri=""
  local sources=(/etc/apt/sources.list.d/*.sources)
  local lists=(/etc/apt/sources.list /etc/apt/sources.list.d/*.list)
  uri="$(awk -v s="$suite" '
    function flush() { if (u != "" && hit && !done) { print u; done = 1 } u = ""; hit = 0 }
    FNR == 1 || /^[[:space:]]*$/ { flush() }
    tolower($1) == "uris:" { u = $2 }
    tolower($1) == "suites:" { for (i = 2; i <= NF; i++) if ($i == s) hit = 1 }
    END { flush() }' "${sources[@]}" 2>/dev/null)"
  [ -n "$uri" ] || uri="$(sed -E 's/\[[^]]*\]//' "${lists[@]}" 2>/dev/null |
    awk -v s="$suite" '$1 == "deb" && $3 == s { print $2; exit }')"
  echo "${uri:-http://deb.debian.org/debian}"
}

ensure_lavapipe() {
  lavapipe_present && return 0
  local codename
  codename="$(. /etc/os-release 2>/dev/null && echo "${VERSION_CODENAME:-}")"
  if [ "$(id -u)" -ne 0 ]; then
    echo "tools/test.sh: Mesa >= 25 (lavapipe) is missing, WebGPU tests will fail; as root run:" >&2
    [ "$codename" = bookworm ] && echo "  echo 'deb $(debian_mirror bookworm) bookworm-backports" \
      "main' > /etc/apt/sources.list.d/bookworm-backports.list" >&2
    echo "  apt-get update && apt-get install -y --no-install-recommends" \
      "$([ "$codename" = bookworm ] && echo "-t bookworm-backports ")${LAVAPIPE_DEBS[*]}" >&2
    return 1
  fi
  local target=()
  if [ "$codename" = bookworm ]; then
    target=(-t bookworm-backports)
    if ! grep -Eqs '^[^#]*bookworm-backports' /etc/apt/sources.list /etc/apt/sources.list.d/*.list \
      /etc/apt/sources.list.d/*.sources; then
      local mirror
      mirror="$(debian_mirror bookworm)"
      printf '%s\n' "Types: deb" "URIs: $mirror" "Suites: bookworm-backports" "Components: main" \
        "Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg" \
        >/etc/apt/sources.list.d/bookworm-backports.sources
      echo "tools/test.sh: added bookworm-backports from $mirror to apt" >&2
    fi
  fi
  apt_get_install "lavapipe (${LAVAPIPE_DEBS[*]} ${target[*]})" "${target[@]}" "${LAVAPIPE_DEBS[@]}" ||
    return 1
  echo "tools/test.sh: Mesa $(dpkg-query -W -f='${Version}' mesa-vulkan-drivers) is in place" >&2
}

cd "$root" || exit 1
# No usage events from onnxruntime in our processes (lib/engine/runtime.ts sets it too).
export ORT_DISABLE_TELEMETRY=1

jupyter_ok=1
ensure_jupyter || jupyter_ok=0
ensure_bwrap || true
ensure_redis || true
ensure_lavapipe || true

# --- deno test -------------------------------------------------------------------------------
shopt -s nullglob
test_files=(tests/*_test.ts tests/*_test.js tests/*.test.ts)
# Runs `deno test` with the given flags; adds its summary to the counts. Returns 1 when deno
# printed no summary (type-check failure, crash), else 0. `--doc` also type-checks and runs every
# JSDoc @example of lib/ and mod.ts (each one asserts; ~210 of them, about a minute on 2 cores);
# their results are in the same summary line.
run_deno_tests() {
  local log rc summary
  log="$(mktemp)"
  deno test -A --doc "$@" tests/ lib/ mod.ts 2>&1 | tee "$log"
  rc=${PIPESTATUS[0]}
  # Summary line, e.g. "ok | 12 passed (3 steps) | 0 failed (2s)" or "FAILED | 3 passed | 1 failed".
  summary="$(sed 's/\x1b\[[0-9;]*m//g' "$log" | grep -E '^(ok|FAILED) \| [0-9]+ passed' | tail -n 1)"
  rm -f "$log"
  [ -n "$summary" ] || return 1
  passed=$((passed + $(sed -E 's/^[A-Z a-z]+\| ([0-9]+) passed.*/\1/' <<<"$summary")))
  failed=$((failed + $(sed -E 's/.*\| ([0-9]+) failed.*/\1/' <<<"$summary")))
  if [ "$rc" -ne 0 ] && [[ "$summary" != FAILED* ]]; then
    echo "tools/test.sh: 'deno test' said ok but exited with status $rc" >&2
    failed=$((failed + 1))
  fi
}

if [ "${#test_files[@]}" -gt 0 ]; then
  if ! run_deno_tests; then
    # One type error stops every test file; count it once, then count the tests themselves.
    echo "tools/test.sh: 'deno test' ran no tests (type check failed?): counted as 1 failure;" \
      "running the tests again without type checking to count them" >&2
    failed=$((failed + 1))
    run_deno_tests --no-check || echo "tools/test.sh: 'deno test --no-check' ran no tests either" >&2
  fi
else
  echo "tools/test.sh: no test files in tests/"
fi

# --- notebooks -------------------------------------------------------------------------------
notebooks=(notebooks/*.ipynb)
if [ "${#notebooks[@]}" -eq 0 ]; then
  echo "tools/test.sh: no notebooks in notebooks/"
elif [ "$jupyter_ok" -ne 1 ]; then
  echo "tools/test.sh: cannot run ${#notebooks[@]} notebook(s) without Jupyter's client" >&2
  failed=$((failed + ${#notebooks[@]}))
else
  for nb in "${notebooks[@]}"; do
    if /usr/bin/python3 tools/run_notebooks.py --timeout "${NOTEBOOK_CELL_TIMEOUT:-900}" "$nb"; then
      passed=$((passed + 1))
    else
      echo "tools/test.sh: notebook FAILED: $nb" >&2
      failed=$((failed + 1))
    fi
  done
fi

finish
