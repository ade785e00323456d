#!/usr/bin/env bash
# The project's command-line entry point: bootstraps the pinned Deno (tools/bootstrap.sh), then
# runs tools/main.ts with all permissions, passing every argument through.
#   bash tools/main.sh --help
set -uo pipefail
# shellcheck source=tools/bootstrap.sh
source "$(dirname "${BASH_SOURCE[0]}")/bootstrap.sh" || exit 1
exec deno run -A --config "$MAGRPO_ROOT/deno.json" "$MAGRPO_ROOT/tools/main.ts" "$@"
