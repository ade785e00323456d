#!/usr/bin/python3
"""Headless runner for the project's Deno notebooks (run it with Debian's /usr/bin/python3).

    /usr/bin/python3 tools/run_notebooks.py [--inplace] [--html] [--timeout S] [--quiet-ms MS] NOTEBOOK...

Executes each notebook's code cells top to bottom in a fresh Deno kernel (the repo-local
kernelspec tools/jupyter/kernels/magrpo-deno, whose launcher runs the pinned Deno; started in the
notebook's folder) and stores the outputs in nbformat v4 form: into the notebook itself with
--inplace, else into runs/notebooks/<name>.ipynb (or --out-dir). Exits non-zero on the first cell
error, timeout or kernel death, or when an output holds ANSI escape codes (stored notebooks stay
plain text), printing the cell's index (counting all cells from 0, markdown too), a source excerpt
and the error.

Why not `jupyter nbconvert --execute`: Deno's kernel sends the execute_reply and the `idle` status
before some of a cell's outputs (streams, displays, the execute_result), so a client that moves on
at `idle` drops them. This runner routes every IOPub message to its cell by
parent_header.msg_id, and leaves a cell only after its execute_reply has arrived AND IOPub has
been quiet for --quiet-ms; anything that still arrives later is filed under the cell it belongs to.
"""

import argparse
import os
import queue
import re
import shutil
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
KERNELS_DIR = ROOT / "tools" / "jupyter" / "kernels"
KERNEL_NAME = "magrpo-deno"
KERNELSPEC = {"name": KERNEL_NAME, "display_name": "Deno (magrpo-deno)", "language": "typescript"}
ANSI = re.compile(r"\x1b\[[0-9;?]*[A-Za-z]")


class CellFailed(Exception):
    """A cell raised, timed out, or the kernel died; message says which and why."""


def setup_environment():
    """Points Jupyter at the repo-local kernelspec and puts the pinned deno first on PATH."""
    jupyter_dir = str(ROOT / "tools" / "jupyter")
    old = os.environ.get("JUPYTER_PATH")
    os.environ["JUPYTER_PATH"] = jupyter_dir + (os.pathsep + old if old else "")
    os.environ.setdefault("DENO_TLS_CA_STORE", "system")
    toolchain = ROOT / "tools" / "deno-bin" / "node_modules"
    candidates = sorted(toolchain.glob("@deno/*/deno")) + [toolchain / ".bin" / "deno"]
    for exe in candidates:
        if exe.is_file() and os.access(exe, os.X_OK):
            os.environ["PATH"] = str(exe.parent) + os.pathsep + os.environ.get("PATH", "")
            break
    if shutil.which("deno") is None:
        sys.exit("run_notebooks: deno not found; run `source tools/bootstrap.sh` first")


class CellRecorder:
    """Collects one notebook run's IOPub traffic, filed by the msg_id of the request that caused it."""

    def __init__(self, nbformat):
        self.nbformat = nbformat
        self.outputs = {}  # msg_id -> list of nbformat outputs
        self.count = {}  # msg_id -> execution_count
        self.idle = set()  # msg_ids whose `idle` status has been seen
        self.pending_clear = set()  # msg_ids with clear_output(wait=True) pending
        self.displays = {}  # display_id -> list of outputs showing it
        self.late = 0  # outputs that arrived after their cell's `idle`

    def track(self, msg_id):
        self.outputs[msg_id] = []

    def handle(self, msg):
        """Files one IOPub message under its parent request; ignores traffic of other requests."""
        parent = msg.get("parent_header", {}).get("msg_id")
        if parent not in self.outputs:
            return
        kind, content = msg["msg_type"], msg["content"]
        if kind == "status":
            if content.get("execution_state") == "idle":
                self.idle.add(parent)
            return
        if kind == "execute_input":
            self.count[parent] = content.get("execution_count")
            return
        if kind == "clear_output":
            if content.get("wait"):
                self.pending_clear.add(parent)
            else:
                self.outputs[parent].clear()
            return
        if kind == "update_display_data":
            for out in self.displays.get(content.get("transient", {}).get("display_id"), []):
                out["data"] = content.get("data", {})
                out["metadata"] = content.get("metadata", {})
            return
        out = self.to_output(kind, content)
        if out is None:
            return
        if parent in self.idle:
            self.late += 1
        self.append(parent, out)
        display_id = content.get("transient", {}).get("display_id")
        if display_id and kind == "display_data":
            self.displays.setdefault(display_id, []).append(out)

    def to_output(self, kind, content):
        new = self.nbformat.v4.new_output
        if kind == "stream":
            return new("stream", name=content["name"], text=content["text"])
        if kind == "display_data":
            return new("display_data", data=content["data"], metadata=content.get("metadata", {}))
        if kind == "execute_result":
            return new(
                "execute_result",
                data=content["data"],
                metadata=content.get("metadata", {}),
                execution_count=content.get("execution_count"),
            )
        if kind == "error":
            return new(
                "error",
                ename=content.get("ename", ""),
                evalue=content.get("evalue", ""),
                traceback=content.get("traceback", []),
            )
        return None

    def append(self, parent, out):
        outs = self.outputs[parent]
        if parent in self.pending_clear:
            self.pending_clear.discard(parent)
            outs.clear()
        last = outs[-1] if outs else None
        if (
            out["output_type"] == "stream"
            and last is not None
            and last["output_type"] == "stream"
            and last["name"] == out["name"]
        ):
            last["text"] += out["text"]
        else:
            outs.append(out)

    def first_error(self, msg_ids):
        """The first `error` output among these requests, as (msg_id, output), or None."""
        for mid in msg_ids:
            for out in self.outputs[mid]:
                if out["output_type"] == "error":
                    return mid, out
        return None


def describe_failure(path, index, source, what):
    """The message printed for a failed cell: notebook, cell index, source excerpt, error."""
    lines = source.splitlines()
    excerpt = "\n".join("    " + line for line in lines[:12])
    if len(lines) > 12:
        excerpt += f"\n    ... ({len(lines) - 12} more lines)"
    return f"{path}: cell {index} failed\n--- cell {index} source ---\n{excerpt}\n--- error ---\n{ANSI.sub('', what)}"


def error_text(out):
    tb = "\n".join(out.get("traceback") or [])
    head = f"{out.get('ename', '')}: {out.get('evalue', '')}"
    return tb if head.strip(": ") in ANSI.sub("", tb) else f"{head}\n{tb}".strip()


def output_texts(out):
    """The text an output shows: stream text, and every string value of its MIME bundle."""
    if out["output_type"] == "stream":
        return [out.get("text", "")]
    texts = []
    for value in (out.get("data") or {}).values():
        if isinstance(value, str):
            texts.append(value)
        elif isinstance(value, list) and all(isinstance(v, str) for v in value):
            texts.append("".join(value))
    return texts


def ansi_failure(path, nb, ran, rec):
    """A failure message for the first cell whose outputs carry ANSI escape codes, or None."""
    for index, msg_id in ran:
        for out in rec.outputs[msg_id]:
            for text in output_texts(out):
                found = ANSI.search(text)
                if found:
                    start = max(0, found.start() - 30)
                    excerpt = text[start : found.end() + 30].encode("unicode_escape").decode()
                    what = (
                        f"output holds ANSI escape codes ({excerpt!r}); stored notebooks must be plain "
                        "text: print without colours (the magrpo-deno kernel sets NO_COLOR=1)"
                    )
                    return describe_failure(path, index, nb.cells[index].source, what)
    return None


def drain(kc, rec, quiet_s):
    """Routes IOPub messages until none has arrived for quiet_s seconds."""
    last = time.monotonic()
    while time.monotonic() - last < quiet_s:
        try:
            rec.handle(kc.get_iopub_msg(timeout=0.05))
            last = time.monotonic()
        except queue.Empty:
            pass


def kernel_exit_status(km):
    """The dead kernel process's exit status, or '?' where jupyter_client does not expose it."""
    process = getattr(getattr(km, "provisioner", None), "process", None)
    status = process.poll() if process is not None else None
    return "?" if status is None else status


def wait_for_cell(km, kc, rec, msg_id, timeout_s, quiet_s):
    """Routes IOPub traffic until request msg_id has its execute_reply and IOPub was quiet for
    quiet_s; returns the reply. Raises CellFailed on timeout or kernel death."""
    start = last_iopub = time.monotonic()
    reply = None
    while True:
        now = time.monotonic()
        if reply is not None:
            quiet = now - last_iopub
            # Normally idle came before the quiet period ends; tolerate a kernel that never sends it.
            if quiet >= quiet_s and (msg_id in rec.idle or quiet >= max(5.0, quiet_s)):
                return reply
        if now - start > timeout_s:
            raise CellFailed(f"timed out after {timeout_s:g} s (use --timeout to allow more)")
        try:
            rec.handle(kc.get_iopub_msg(timeout=0.05))
            last_iopub = time.monotonic()
        except queue.Empty:
            if not km.is_alive():
                raise CellFailed(f"the Deno kernel process died (exit status {kernel_exit_status(km)})")
        if reply is None:
            try:
                msg = kc.get_shell_msg(timeout=0)
                if msg.get("parent_header", {}).get("msg_id") == msg_id:
                    reply = msg
            except queue.Empty:
                pass


def run_notebook(path, out_path, timeout_s, quiet_s, verbose):
    """Runs one notebook; writes outputs to out_path; returns True when every cell succeeded."""
    import nbformat
    from jupyter_client.kernelspec import KernelSpecManager
    from jupyter_client.manager import KernelManager

    nb = nbformat.read(str(path), as_version=4)
    rec = CellRecorder(nbformat)
    runtime = tempfile.mkdtemp(prefix="run_notebooks-")
    kernel_log = Path(runtime) / "kernel.log"
    km = KernelManager(
        kernel_name=KERNEL_NAME,
        kernel_spec_manager=KernelSpecManager(kernel_dirs=[str(KERNELS_DIR)]),
        connection_file=str(Path(runtime) / "kernel.json"),
    )
    km.shutdown_wait_time = 2.0
    started = time.monotonic()
    ok, ran, failure = True, [], None
    with open(kernel_log, "wb") as log:
        km.start_kernel(cwd=str(path.parent.resolve()), stdout=log, stderr=log)
        kc = km.client()
        kc.start_channels()
        try:
            kc.wait_for_ready(timeout=120)
        except RuntimeError as err:
            failure = f"{path}: the Deno kernel did not start: {err}"
        try:
            for index, cell in enumerate(nb.cells if failure is None else []):
                if cell.cell_type != "code":
                    continue
                cell.outputs, cell.execution_count = [], None
                if not cell.source.strip():
                    continue
                t0 = time.monotonic()
                msg_id = kc.execute(cell.source, store_history=True, allow_stdin=False, stop_on_error=True)
                rec.track(msg_id)
                ran.append((index, msg_id))
                try:
                    reply = wait_for_cell(km, kc, rec, msg_id, timeout_s, quiet_s)
                except CellFailed as err:
                    failure = describe_failure(path, index, cell.source, str(err))
                    break
                cell.execution_count = reply["content"].get("execution_count", rec.count.get(msg_id))
                if verbose:
                    print(f"  cell {index}: {time.monotonic() - t0:.2f} s", file=sys.stderr)
                bad = rec.first_error(mid for _, mid in ran)
                status = reply["content"].get("status")
                if bad or status != "ok":
                    where = next(i for i, mid in ran if mid == bad[0]) if bad else index
                    what = error_text(bad[1] if bad else reply["content"]) or f"execute_reply status {status!r}"
                    failure = describe_failure(path, where, nb.cells[where].source, what)
                    break
            # Outputs published after the last cell's quiet period still belong to it.
            drain(kc, rec, max(1.0, quiet_s))
            bad = rec.first_error(mid for _, mid in ran)
            if failure is None and bad:
                where = next(i for i, mid in ran if mid == bad[0])
                failure = describe_failure(path, where, nb.cells[where].source, error_text(bad[1]))
        finally:
            kc.stop_channels()
            km.shutdown_kernel(now=failure is not None)
    for index, msg_id in ran:
        nb.cells[index].outputs = rec.outputs[msg_id]
    if failure is None:
        failure = ansi_failure(path, nb, ran, rec)
    nb.metadata["kernelspec"] = dict(KERNELSPEC)
    nbformat.validate(nb)
    out_path.parent.mkdir(parents=True, exist_ok=True)
    nbformat.write(nb, str(out_path))
    n_out = sum(len(rec.outputs[mid]) for _, mid in ran)
    elapsed = time.monotonic() - started
    if failure is not None:
        ok = False
        tail = kernel_log.read_text(errors="replace").splitlines()[-40:]
        tail = [line for line in tail if "is unstable" not in line]
        if tail:
            print("--- kernel log (last lines) ---\n" + ANSI.sub("", "\n".join(tail)), file=sys.stderr)
        print(f"run_notebooks: FAILED {failure}", file=sys.stderr)
    print(
        f"run_notebooks: {path}: {'ok' if ok else 'FAILED'}, {len(ran)} cells, {n_out} outputs "
        f"({rec.late} arrived after idle) in {elapsed:.1f} s -> {out_path}"
    )
    shutil.rmtree(runtime, ignore_errors=True)
    return ok


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("notebooks", nargs="+", type=Path, help=".ipynb files to execute")
    parser.add_argument("--inplace", action="store_true", help="write outputs back into each notebook")
    parser.add_argument("--out-dir", type=Path, default=ROOT / "runs" / "notebooks",
                        help="where executed copies go without --inplace (default: runs/notebooks)")
    parser.add_argument("--timeout", type=float, default=900.0, help="seconds allowed per cell (default 900)")
    parser.add_argument("--quiet-ms", type=float, default=400.0,
                        help="IOPub silence that ends a cell after its reply (default 400)")
    parser.add_argument("-v", "--verbose", action="store_true", help="print each cell's run time")
    parser.add_argument("--html", action="store_true",
                        help="also export each executed notebook to one self-contained .html beside it")
    args = parser.parse_args(argv)
    for nb_path in args.notebooks:
        if nb_path.suffix != ".ipynb" or not nb_path.is_file():
            parser.error(f"not a notebook file: {nb_path}")
    setup_environment()
    try:
        import jupyter_client  # noqa: F401
        import nbformat  # noqa: F401
    except ImportError as err:
        sys.exit(f"run_notebooks: {err}; install Debian's python3-jupyter-client and python3-nbformat "
                 "(bash tools/test.sh does this) and run with /usr/bin/python3")
    all_ok = True
    for nb_path in args.notebooks:
        out = nb_path if args.inplace else args.out_dir / nb_path.name
        ok = run_notebook(nb_path, out, args.timeout, args.quiet_ms / 1000.0, args.verbose)
        if args.html and out.is_file():
            from notebook_html import export  # tools/notebook_html.py, standard library only
            print(f"run_notebooks: {export(out)}")
        all_ok = ok and all_ok
    return 0 if all_ok else 1


if __name__ == "__main__":
    sys.exit(main())
