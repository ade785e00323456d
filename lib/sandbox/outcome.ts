/**
 * How a sandboxed run ended, decided from the exit status first: a run is `"ok"` only when the
 * process exited 0 by itself. The wrapper's one-line markers on stderr (`SANDBOX_BLOCKED: …`)
 * only name the kind of a failure whose exit code already says it failed; a program that prints
 * a marker cannot turn a failure into success, nor a success into anything but what its own exit
 * code says.
 *
 * @module
 */

import { EXIT_BLOCKED, EXIT_CPU, EXIT_MEMORY, MARKER } from "./wrapper_py.ts";

/** How a sandboxed run ended. Everything but `"ok"` is a failed run. */
export type RunStatus =
  | "ok"
  | "error"
  | "timeout"
  | "memory"
  | "output_limit"
  | "blocked"
  | "crashed";

/** Signal names by number (x86-64 and arm64 agree on these). */
const SIGNALS: Record<number, Deno.Signal> = {
  1: "SIGHUP",
  2: "SIGINT",
  3: "SIGQUIT",
  4: "SIGILL",
  5: "SIGTRAP",
  6: "SIGABRT",
  7: "SIGBUS",
  8: "SIGFPE",
  9: "SIGKILL",
  11: "SIGSEGV",
  13: "SIGPIPE",
  14: "SIGALRM",
  15: "SIGTERM",
  24: "SIGXCPU",
  25: "SIGXFSZ",
  31: "SIGSYS",
};

/**
 * The signal that ended the program when bwrap reports it as exit code `128 + n` (bwrap's
 * convention; the wrapper itself never exits with a code above 125).
 */
export function signalFromCode(code: number): Deno.Signal | null {
  if (code <= 128 || code > 128 + 64) return null;
  return SIGNALS[code - 128] ?? (`SIG${code - 128}` as Deno.Signal);
}

function markerDetail(stderr: string, kind: string): string | null {
  const tag = `${MARKER}${kind}: `;
  const line = stderr.split("\n").reverse().find((l) => l.startsWith(tag));
  return line === undefined ? null : line.slice(tag.length);
}

function lastLine(text: string): string {
  const lines = text.split("\n").map((l) => l.trim()).filter((l) => l);
  return lines.length ? lines[lines.length - 1] : "";
}

/**
 * Maps an exit (`code`, or `signal` when it died from one) and the captured stderr to a status
 * and a one-line reason.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { classify } from "./outcome.ts";
 * assert.deepEqual(classify(0, null, "SANDBOX_BLOCKED: forged\n"), { status: "ok", reason: "" });
 * assert.deepEqual(classify(1, null, "ZeroDivisionError: division by zero\n"), { status: "error", reason: "ZeroDivisionError: division by zero (exit code 1)" });
 * ```
 */
export function classify(
  code: number,
  signal: Deno.Signal | null,
  stderr: string,
): { status: RunStatus; reason: string } {
  if (code === 0 && signal === null) return { status: "ok", reason: "" };
  const blocked = code === EXIT_BLOCKED ? markerDetail(stderr, "BLOCKED") : null;
  if (blocked !== null) {
    return { status: "blocked", reason: `blocked: ${blocked}` };
  }
  if (code === EXIT_MEMORY && markerDetail(stderr, "MEMORY") !== null) {
    return { status: "memory", reason: "memory limit exceeded (MemoryError)" };
  }
  if (signal === "SIGXCPU" || (code === EXIT_CPU && markerDetail(stderr, "CPU") !== null)) {
    return { status: "timeout", reason: "CPU time limit exceeded" };
  }
  if (signal !== null) {
    const why = signal === "SIGSEGV"
      ? "segmentation fault (deep recursion or memory exhaustion)"
      : signal === "SIGKILL"
      ? "killed by SIGKILL (CPU hard limit or out of memory)"
      : `killed by ${signal}`;
    return { status: "crashed", reason: why };
  }
  const last = lastLine(stderr);
  if (/\bMemoryError\b/.test(last)) {
    return { status: "memory", reason: `memory limit exceeded (${last})` };
  }
  return {
    status: "error",
    reason: last ? `${last} (exit code ${code})` : `exit code ${code}`,
  };
}
