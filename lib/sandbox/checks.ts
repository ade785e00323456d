/**
 * Runs a HumanEval-style `check(candidate)` against a program inside the sandbox, one test
 * (top-level statement of `check` containing an `assert`) at a time, each with its own
 * timeout; stops after `maxTimeouts` timeouts. If the process dies hard (C-level hang, crash,
 * `os._exit`, output flood), the test it was running is recorded as failed and a fresh
 * process continues with the remaining tests.
 *
 * @module
 */

import { UserError } from "../util/errors.ts";
import type { Limiter } from "./pool.ts";
export type { Limiter } from "./pool.ts";
import { runPython } from "./python.ts";
import { CHECKS_PY } from "./checks_py.ts";

/** The result of one test statement. `skipped`: not run (timeout limit reached or a crash). */
export interface TestOutcome {
  /** Index among the tests of `check` (0-based). */
  index: number;
  /** Source text of the test statement. */
  source: string;
  /** How it ended. */
  status: "pass" | "fail" | "error" | "timeout" | "skipped";
  /** Error type and message, e.g. `"AssertionError"` or `"ZeroDivisionError: division by zero"`. */
  error: string;
}

/** A syntax check of the program: `line`/`col` are 1-based within the program. */
export interface SyntaxReport {
  /** Whether `ast.parse` accepted the program. */
  ok: boolean;
  /** Line of the error (1-based), `null` when unknown or ok. */
  line: number | null;
  /** Column of the error (1-based), `null` when unknown or ok. */
  col: number | null;
  /** Python's message, e.g. `"invalid syntax"`; `""` when ok. */
  message: string;
}

/** Static facts about one function of the program (see `ChecksOptions.analyze`). */
export interface FunctionAnalysis {
  /** The function is defined at top level. */
  found: boolean;
  /** Its body calls the helper by name. */
  calls: boolean;
  /** Its body (docstring and `pass` aside) is only `return helper(...)`-like, or empty. */
  wrapper: boolean;
}

/** Everything `runChecks` learned. `passed / total` is the test pass fraction. */
export interface ChecksReport {
  /** Syntax of the program. */
  syntax: SyntaxReport;
  /** Analysis of `options.analyze.function`, `null` if not asked or not reached. */
  analysis: FunctionAnalysis | null;
  /** Non-empty when the test code itself is unusable (no `check`, syntax error). */
  planError: string;
  /** Non-empty when defining the program failed (exception, timeout, entry point missing). */
  loadError: string;
  /** One outcome per test, in order. */
  tests: TestOutcome[];
  /** Number of tests with status `pass`. */
  passed: number;
  /** Number of tests in `check`. */
  total: number;
  /** Number of tests that timed out. */
  timeouts: number;
  /** Number of sandboxed processes used (1 unless some test killed its process). */
  runs: number;
}

/** Options of {@link runChecks}. */
export interface ChecksOptions {
  /** Time limit of each test statement, ms (default 3000). */
  testTimeoutMs?: number;
  /** Stop after this many timed-out tests (default 3, as the MAGRPO authors). */
  maxTimeouts?: number;
  /** Memory limit of the process, MiB (default 512). */
  memoryMb?: number;
  /** Reject candidate results that are not built-in types (default true; stops `__eq__` tricks). */
  strictTypes?: boolean;
  /** Also analyse `function`: does it call `helper`, is it a thin wrapper around it? */
  analyze?: { function: string; helper: string };
  /** Python interpreter (default `python3`). */
  python?: string;
  /** Concurrency limiter for the processes. */
  limiter?: Limiter;
  /** Where the sandbox makes its working directories (see `RunPythonOptions.tmpDir`). */
  tmpDir?: string;
}

const GRACE_MS = 1000;

interface Message {
  kind: string;
  [key: string]: unknown;
}

function parseMessages(stdout: string, nonce: string): Message[] {
  const out: Message[] = [];
  for (const line of stdout.split("\n")) {
    if (!line.startsWith(nonce)) continue;
    try {
      out.push(JSON.parse(line.slice(nonce.length)) as Message);
    } catch {
      // truncated last line of a killed run
    }
  }
  return out;
}

/**
 * Runs the tests of `testCode` (which must define `check(candidate)`) against `program`,
 * calling the function `entryPoint` as the candidate.
 *
 * @example
 * ```ts
 * import { runChecks } from "./checks.ts";
 * const r = await runChecks(
 *   "def add(a, b):\n    return a + b\n",
 *   "def check(candidate):\n    assert candidate(1, 2) == 3\n    assert candidate(2, 2) == 5\n",
 *   "add",
 * );
 * // r.passed === 1, r.total === 2, r.tests[1].status === "fail"
 * ```
 */
export async function runChecks(
  program: string,
  testCode: string,
  entryPoint: string,
  options: ChecksOptions = {},
): Promise<ChecksReport> {
  for (
    const [name, v] of [["program", program], ["testCode", testCode], [
      "entryPoint",
      entryPoint,
    ]]
  ) {
    if (typeof v !== "string") {
      throw new UserError(
        `runChecks: '${name}' must be a string, got ${typeof v}`,
      );
    }
  }
  const testTimeoutMs = options.testTimeoutMs ?? 3000;
  const maxTimeouts = options.maxTimeouts ?? 3;
  if (
    !(testTimeoutMs > 0) || !Number.isInteger(maxTimeouts) || maxTimeouts < 1
  ) {
    throw new UserError(
      `runChecks: testTimeoutMs must be > 0 and maxTimeouts a positive integer, got ${testTimeoutMs}, ${maxTimeouts}`,
    );
  }
  const nonce = `@@${crypto.randomUUID()}@@`;
  const report: ChecksReport = {
    syntax: { ok: false, line: null, col: null, message: "not checked" },
    analysis: null,
    planError: "",
    loadError: "",
    tests: [],
    passed: 0,
    total: 0,
    timeouts: 0,
    runs: 0,
  };
  let plan: string[] | null = null;
  let syntaxSeen = false;
  const done = new Map<number, TestOutcome>();
  let stopReason = "";
  for (;;) {
    report.runs++;
    const cfg = {
      nonce,
      program,
      test: testCode,
      entry: entryPoint,
      analyze: options.analyze ?? null,
      testTimeoutS: testTimeoutMs / 1000,
      maxTimeouts,
      timeoutsSoFar: report.timeouts,
      skip: [...done.keys()],
      strictTypes: options.strictTypes ?? true,
    };
    const source = CHECKS_PY.replace(
      "__CFG__",
      () => JSON.stringify(JSON.stringify(cfg)),
    );
    const res = await runPython(source, {
      timeoutMs: testTimeoutMs * 20 + 5000,
      idleTimeoutMs: testTimeoutMs + GRACE_MS,
      memoryMb: options.memoryMb ?? 512,
      python: options.python,
      limiter: options.limiter,
      tmpDir: options.tmpDir,
    });
    let finished = false;
    let begun: { unit: number; test: number | null } | null = null;
    const before = done.size;
    for (const m of parseMessages(res.stdout, nonce)) {
      if (m.kind === "syntax") {
        syntaxSeen = true;
        report.syntax = {
          ok: m.ok === true,
          line: (m.line as number | null) ?? null,
          col: (m.col as number | null) ?? null,
          message: m.ok === true ? "" : String(m.message ?? ""),
        };
        if (m.ok !== true) finished = true;
      } else if (m.kind === "analysis") {
        report.analysis = {
          found: !!m.found,
          calls: !!m.calls,
          wrapper: !!m.wrapper,
        };
      } else if (m.kind === "plan") {
        if (typeof m.error === "string") {
          report.planError = m.error;
          finished = true;
        } else plan = m.tests as string[];
      } else if (m.kind === "begin") {
        begun = {
          unit: m.unit as number,
          test: (m.test as number | null) ?? null,
        };
      } else if (m.kind === "load") {
        begun = null;
        if (m.ok !== true) {
          report.loadError = String(m.error);
          finished = true;
        }
      } else if (m.kind === "result") {
        const i = m.test as number;
        const status = m.status as TestOutcome["status"];
        done.set(i, {
          index: i,
          source: "",
          status,
          error: String(m.error ?? ""),
        });
        if (status === "timeout") report.timeouts++;
        begun = null;
      } else if (m.kind === "done" || m.kind === "stopped") {
        finished = true;
        if (m.kind === "stopped") {
          stopReason = `not run: ${maxTimeouts} tests timed out`;
        }
      }
    }
    if (finished) break;
    const why = res.ok ? "the program ended the test run early (sys.exit or os._exit)" : res.reason;
    if (!syntaxSeen) {
      report.syntax = {
        ok: false,
        line: null,
        col: null,
        message: `could not parse: ${why}`,
      };
      break;
    }
    if (plan === null) {
      report.planError = `could not plan the tests: ${why}`;
      break;
    }
    if (begun === null || begun.unit === -1) {
      report.loadError = why;
      break;
    }
    if (begun.test === null) {
      stopReason = `not run: a setup statement of check() failed (${why})`;
      break;
    }
    const status = res.status === "timeout" ? "timeout" : "error";
    done.set(begun.test, { index: begun.test, source: "", status, error: why });
    if (status === "timeout") report.timeouts++;
    if (report.timeouts >= maxTimeouts) {
      stopReason = `not run: ${maxTimeouts} tests timed out`;
      break;
    }
    if (done.size === before) break; // no progress: never loop forever
  }
  const sources = plan ?? [];
  report.tests = sources.map((source, index) => {
    const got = done.get(index);
    if (got) return { ...got, source };
    const error = report.loadError ? `not run: ${report.loadError}` : stopReason || "not run";
    return { index, source, status: "skipped" as const, error };
  });
  report.total = sources.length;
  report.passed = report.tests.filter((t) => t.status === "pass").length;
  return report;
}
