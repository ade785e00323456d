#!/bin/sh
# Starts Deno's Jupyter kernel with the project's pinned Deno, found by absolute path, so the
# kernel works from VS Code, JupyterLab or JupyterHub without a prepared shell (no PATH needed).
#
#   launch.sh CONNECTION_FILE
#
# The repository root is MAGRPO_ROOT below when tools/install_kernel.sh filled it in (the
# installed copy lives outside the repository), else the folder four levels above this file
# (tools/jupyter/kernels/magrpo-deno/launch.sh inside the repository).
MAGRPO_ROOT=""
if [ -z "$MAGRPO_ROOT" ]; then
  MAGRPO_ROOT="$(cd "$(dirname "$0")/../../../.." && pwd)"
fi
deno=""
for candidate in "$MAGRPO_ROOT"/tools/deno-bin/node_modules/@deno/*/deno; do
  [ -x "$candidate" ] && deno="$candidate" && break
done
if [ -z "$deno" ]; then
  echo "magrpo-deno kernel: no pinned Deno under $MAGRPO_ROOT/tools/deno-bin;" \
    "run 'source tools/bootstrap.sh' in $MAGRPO_ROOT once" >&2
  exit 1
fi
# Plain text outputs (no ANSI colour codes in stored notebooks); npm may sit behind a TLS proxy.
export NO_COLOR=1
export DENO_TLS_CA_STORE="${DENO_TLS_CA_STORE:-system}"
exec "$deno" jupyter --kernel --conn "$1"
