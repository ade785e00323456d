/**
 * The process loop behind `verdict.ts`: runs `value_runner.py` in the sandbox over a list of
 * units, reads its nonce-prefixed messages (the first message of each kind wins, a result
 * counts only for the unit the harness has begun), and after a hard kill (C-level hang,
 * crash, `os._exit`, output flood) records the unit it was in and starts a fresh process for
 * the rest. Decides nothing about pass or fail of value units: it only collects what the
 * sandbox reported.
 *
 * @module
 */

import type { Limiter } from "./pool.ts";
import { runPython, type RunPythonOptions } from "./python.ts";

/** One unit of work for the sandbox. */
export interface RunUnit {
  /** Position in the unit list. */
  i: number;
  /** `value`: evaluate `call` and report the value; `exec`: run `line`, report pass/fail. */
  kind: "value" | "exec";
  /** Index of the test it belongs to; `null` for a setup statement (strict harness). */
  test: number | null;
  /** Expression to evaluate (value units; exec units in the authors' mode, evaluated first). */
  call?: string | null;
  /** Evaluations of `call` (the authors' reward evaluates it twice). */
  times?: number;
  /** Statement to run (exec units). */
  line?: string;
  /** The authors' expected text, evaluated after `call` (exec units in their mode). */
  expected?: unknown;
}

/** What to run. */
export interface RunSpec {
  /** The candidate program. */
  program: string;
  /** Units, in order. */
  units: RunUnit[];
  /** Define the program and run the units (false: syntax and analysis only). */
  load: boolean;
  /** Main's code: report the authors' aux-misuse analysis. */
  analyze?: string | null;
  /** Report our strict analysis of `function` (does it call `helper`, is it a wrapper?). */
  strictAnalyze?: { function: string; helper: string } | null;
  /** Test-file statements run after the program (strict harness). */
  prelude?: string | null;
  /** Name the candidate is bound to (strict harness); `null`: units name the entry point. */
  param?: string | null;
  /** The entry point's name (with `param`). */
  entry?: string | null;
  /** Copy the candidate's results to built-in types (strict harness's exec units). */
  guard?: boolean;
  /** Start the globals with `math`. */
  preloadMath: boolean;
  /** `__name__` of the program's globals (unset: none, as in the authors' `exec`). */
  moduleName?: string;
}

/** A message of the sandbox. */
export interface Message {
  /** Its kind. */
  kind: string;
  /** Its fields. */
  [key: string]: unknown;
}

/** What the sandbox reported. */
export interface RunOutcome {
  /** The first syntax message (null: none came). */
  syntax: Message | null;
  /** Defining the program failed (type, message). */
  loadError: { type: string; message: string } | null;
  /** The accepted result message of each unit. */
  results: Map<number, Message>;
  /** Timed-out test units. */
  timeouts: number;
  /** Processes used. */
  runs: number;
  /** The authors' aux-misuse analysis. */
  auxMisuse: string[];
  /** Our strict analysis. */
  strictAnalysis: Message | null;
  /** Why the remaining units were not run (empty: they all ran). */
  stopReason: string;
  /** Why the last process failed (`""`: it ended normally). */
  lastFailure: string;
}

/** Sandbox limits. */
export interface RunLimits {
  /** Per-unit time limit, ms. */
  testTimeoutMs: number;
  /** Stop after this many timed-out tests. */
  maxTimeouts: number;
  /** Memory limit, MiB. */
  memoryMb?: number;
  /** Python interpreter. */
  python?: string;
  /** Concurrency limiter. */
  limiter?: Limiter;
  /** Where the sandbox makes its working directories. */
  tmpDir?: string;
  /** Run even without OS isolation (see `RunPythonOptions.unsafe`; default false). */
  unsafe?: boolean;
}

/**
 * The {@link runPython} options of one sandbox process running `units` test units under
 * `limits`: a wall-clock limit for all of them, an idle limit of one test, the memory limit,
 * interpreter, limiter, working folder and `unsafe` of `limits`.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { unitRunOptions } from "./verdict_run.ts";
 * assert.deepEqual(unitRunOptions(1, { testTimeoutMs: 1000, maxTimeouts: 3, unsafe: true }).unsafe, true);
 * ```
 */
export function unitRunOptions(units: number, limits: RunLimits): RunPythonOptions {
  const ms = limits.testTimeoutMs;
  return {
    timeoutMs: (units + 2) * (ms + 1000) + 5000,
    idleTimeoutMs: ms + 1000,
    maxOutputBytes: 16 << 20, // values of up to 1M characters each (plain_codec.py caps them)
    memoryMb: limits.memoryMb ?? 512,
    python: limits.python,
    limiter: limits.limiter,
    tmpDir: limits.tmpDir,
    unsafe: limits.unsafe === true,
  };
}

const pyCache = new Map<string, Promise<string>>();

/** The text of a `.py` file of this folder (read once). */
export function pySource(name: string): Promise<string> {
  let p = pyCache.get(name);
  if (!p) {
    p = Deno.readTextFile(new URL(`./${name}`, import.meta.url));
    pyCache.set(name, p);
  }
  return p;
}

/** `plain_codec.py` + `name`, with `CFG` set to `cfg`. */
export async function pyProgram(name: string, cfg: unknown): Promise<string> {
  const [codec, body] = await Promise.all([pySource("plain_codec.py"), pySource(name)]);
  return `import json\nCFG = json.loads(${JSON.stringify(JSON.stringify(cfg))})\n` + codec +
    "\n" + body;
}

function parseMessages(stdout: string, nonce: string): Message[] {
  const out: Message[] = [];
  for (const line of stdout.split("\n")) {
    if (!line.startsWith(nonce)) continue;
    try {
      const m = JSON.parse(line.slice(nonce.length));
      if (m && typeof m === "object" && typeof m.kind === "string") out.push(m);
    } catch {
      // truncated last line of a killed run
    }
  }
  return out;
}

/** Runs the units in the sandbox (see the module doc). */
export async function executeUnits(spec: RunSpec, limits: RunLimits): Promise<RunOutcome> {
  const out: RunOutcome = {
    syntax: null,
    loadError: null,
    results: new Map(),
    timeouts: 0,
    runs: 0,
    auxMisuse: [],
    strictAnalysis: null,
    stopReason: "",
    lastFailure: "",
  };
  let analysisSeen = false;
  const nonce = `@@${crypto.randomUUID()}@@`;
  const ms = limits.testTimeoutMs;
  for (;;) {
    out.runs++;
    const cfg = {
      ...spec,
      nonce,
      testTimeoutS: ms / 1000,
      loadTimeoutS: ms / 1000,
      maxTimeouts: limits.maxTimeouts,
      timeoutsSoFar: out.timeouts,
      skip: [...out.results.keys()],
    };
    const res = await runPython(
      await pyProgram("value_runner.py", cfg),
      unitRunOptions(spec.units.length, limits),
    );
    let finished = false;
    let begun: number | null = null;
    const before = out.results.size;
    out.lastFailure = res.ok ? "" : res.reason;
    for (const m of parseMessages(res.stdout, nonce)) {
      if (m.kind === "syntax" && !out.syntax) {
        out.syntax = m;
        if (m.ok !== true) finished = true;
      } else if (m.kind === "analysis" && !analysisSeen) {
        analysisSeen = true;
        out.auxMisuse = Array.isArray(m.misuse) ? m.misuse.map(String) : [];
      } else if (m.kind === "strictAnalysis" && !out.strictAnalysis) {
        out.strictAnalysis = m;
      } else if (m.kind === "begin") {
        begun = typeof m.unit === "number" ? m.unit : null;
      } else if (m.kind === "load" && begun === -1) {
        begun = null;
        if (m.ok !== true) {
          out.loadError = { type: String(m.type ?? "Error"), message: String(m.message ?? "") };
          finished = true;
        }
      } else if (m.kind === "result" && begun !== null && m.unit === begun) {
        if (!out.results.has(begun)) {
          out.results.set(begun, m);
          if (m.status === "timeout" && spec.units[begun]?.test != null) out.timeouts++;
        }
        begun = null;
      } else if (m.kind === "done" || m.kind === "stopped") {
        finished = true;
        if (m.kind === "stopped") out.stopReason = `not run: ${limits.maxTimeouts} tests timed out`;
      }
    }
    if (finished || !out.syntax) break;
    const why = res.ok ? "the program ended the test run early (sys.exit or os._exit)" : res.reason;
    if (begun === null || begun === -1) {
      out.loadError ??= { type: "Error", message: why };
      break;
    }
    const unit = spec.units[begun];
    if (!unit || unit.test === null) {
      out.stopReason = `not run: a setup statement of check() failed (${why})`;
      break;
    }
    const status = res.status === "timeout" ? "timeout" : "error";
    out.results.set(begun, { kind: "result", unit: begun, status, type: "", message: why });
    if (status === "timeout") out.timeouts++;
    if (out.timeouts >= limits.maxTimeouts) {
      out.stopReason = `not run: ${limits.maxTimeouts} tests timed out`;
      break;
    }
    if (out.results.size === before) break;
  }
  return out;
}
