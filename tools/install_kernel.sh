#!/usr/bin/env bash
# Installs the `magrpo-deno` Jupyter kernel for the current user, so JupyterLab, Notebook,
# VS Code and JupyterHub list it ("Deno (magrpo-deno)") and start it without a prepared shell.
#
#   bash tools/install_kernel.sh
#
# The installed copy (in ~/.local/share/jupyter/kernels/magrpo-deno) has this repository's
# absolute path written into its launcher, which runs the pinned Deno of tools/deno-bin, and
# its kernel.json names the launcher by absolute path (for front ends that do not expand
# {resource_dir}). Rerun it after moving the repository. Needs `jupyter` on PATH (see the
# README: `apt-get install jupyter-notebook` or `pip install jupyterlab`).
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
# shellcheck source=tools/bootstrap.sh
source "$root/tools/bootstrap.sh" || exit 1 # installs the pinned Deno if it is missing
# `jupyter kernelspec`, or the same app from jupyter_client where only that library is installed.
py=""
for candidate in python3 /usr/bin/python3; do
  if command -v "$candidate" >/dev/null 2>&1 && "$candidate" -c "import jupyter_client" 2>/dev/null; then
    py="$candidate" && break
  fi
done
kernelspec() {
  if command -v jupyter >/dev/null 2>&1; then
    jupyter kernelspec "$@"
  elif [ -n "$py" ]; then
    "$py" -m jupyter_client.kernelspecapp "$@" 2> >(grep -v "Native kernel" >&2)
  else
    echo "tools/install_kernel.sh: 'jupyter' not found; install Jupyter first, e.g." >&2
    echo "  sudo apt-get install -y jupyter-notebook   (Debian/Ubuntu), or pip install jupyterlab" >&2
    return 1
  fi
}
staging="$(mktemp -d)"
trap 'rm -rf "$staging"' EXIT
spec="$staging/magrpo-deno"
cp -r "$root/tools/jupyter/kernels/magrpo-deno" "$spec"
# Bake the repository's absolute path into the copy (quoted for the shell).
quoted="$(printf '%s' "$root" | sed "s/'/'\\\\''/g")"
sed -i "s|^MAGRPO_ROOT=\"\"\$|MAGRPO_ROOT='${quoted//|/\\|}'|" "$spec/launch.sh"
grep -q "^MAGRPO_ROOT='" "$spec/launch.sh" || {
  echo "tools/install_kernel.sh: could not write the repository path into launch.sh" >&2
  exit 1
}
kernelspec install --user --replace --name magrpo-deno "$spec" >/dev/null
[ -n "$py" ] || py=python3
dest="$(kernelspec list --json | "$py" -c \
  'import json, sys; print(json.load(sys.stdin)["kernelspecs"]["magrpo-deno"]["resource_dir"])')"
# Absolute launcher path in argv: VS Code and others need not expand {resource_dir}.
"$py" - "$dest" <<'PY'
import json, sys
dest = sys.argv[1]
path = f"{dest}/kernel.json"
spec = json.load(open(path))
spec["argv"] = ["/bin/sh", f"{dest}/launch.sh", "{connection_file}"]
json.dump(spec, open(path, "w"), indent=2)
PY
echo "installed kernel 'magrpo-deno' in $dest (Deno from $root/tools/deno-bin)"
