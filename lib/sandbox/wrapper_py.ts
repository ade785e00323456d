/**
 * The trusted Python wrapper (`wrapper.py`) that every sandboxed program runs under.
 * Before any untrusted byte runs, it closes every inherited descriptor above 2, reads the
 * untrusted source from stdin, sets resource limits (address space, CPU, file size, open files,
 * processes, core dumps) and, unless `auditHook` is false, installs an audit hook that ends the
 * process on network use, process creation, signals, native-code loading, limit changes and file
 * access outside the allowed places (a third layer only: code in the same interpreter can get
 * around any in-process check, so the kernel's isolation does not rely on it). It then runs the
 * source in a fresh namespace and maps the outcome to an exit code (0 only for a normal end or
 * `SystemExit` with 0 / `None`; codes outside 1..125 become 1) plus, for blocked / memory / CPU
 * endings, a one-line marker on stderr.
 *
 * @module
 */

/** Exit code: the program raised an uncaught exception (Python's own convention). */
export const EXIT_ERROR = 1;
/** Exit code: the audit hook blocked a forbidden operation. */
export const EXIT_BLOCKED = 86;
/** Exit code: the program ran out of its memory budget (MemoryError). */
export const EXIT_MEMORY = 87;
/** Exit code: the program used up its CPU-time budget (SIGXCPU). */
export const EXIT_CPU = 88;
/** Prefix of the stderr line the wrapper writes for blocked / memory / CPU endings. */
export const MARKER = "SANDBOX_";

/** The exit codes and marker the wrapper uses, as it receives them in its config. */
export const WRAPPER_EXITS = {
  exits: { error: EXIT_ERROR, blocked: EXIT_BLOCKED, memory: EXIT_MEMORY, cpu: EXIT_CPU },
  marker: MARKER,
};

let source: Promise<string> | undefined;

/**
 * The Python source of the wrapper (`wrapper.py` next to this module, read once). It runs as
 * `python -c SOURCE CFG` where `CFG` is a JSON object:
 * `{memoryBytes, cpuSeconds, fileBytes, setsid, auditHook, processes, label}` plus
 * {@link WRAPPER_EXITS}.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { wrapperSource } from "./wrapper_py.ts";
 * const src = await wrapperSource();
 * assert.ok(src.startsWith("# The trusted wrapper"));
 * ```
 */
export function wrapperSource(): Promise<string> {
  source ??= Deno.readTextFile(new URL("./wrapper.py", import.meta.url));
  return source;
}
