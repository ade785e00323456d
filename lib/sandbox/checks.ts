/**
 * Our strict test harness (the coding reward's `rewardVariant: "strict"`): runs a
 * HumanEval-style `check(candidate)` against a program, one test (top-level statement of
 * `check` containing an `assert` that names the candidate) at a time, each with its own
 * timeout; stops after `maxTimeouts` timeouts. If the process dies hard (C-level hang, crash,
 * `os._exit`, output flood), the test it was running is recorded as failed and a fresh
 * process continues with the remaining tests. Tests of the form `assert value == expected`
 * (expected: literals, operators, a few pure builtins) are decided outside the sandbox; the
 * others run inside it (see `verdict.ts`).
 *
 * @module
 */

import { UserError } from "../util/errors.ts";
import type { Limiter } from "./pool.ts";
export type { Limiter } from "./pool.ts";
import { runStrictTests } from "./verdict.ts";

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
  /**
   * Copy the candidate's results to built-in types, rejecting anything else (default true;
   * stops `__eq__` tricks; Counter, OrderedDict, defaultdict, namedtuple and numpy scalars are
   * read through their built-in base and keep their credit).
   */
  strictTypes?: boolean;
  /** Also analyse `function`: does it call `helper`, is it a thin wrapper around it? */
  analyze?: { function: string; helper: string };
  /** Python interpreter (default `python3`). */
  python?: string;
  /** Concurrency limiter for the processes. */
  limiter?: Limiter;
  /** Where the sandbox makes its working directories (see `RunPythonOptions.tmpDir`). */
  tmpDir?: string;
  /**
   * Run even where the kernel cannot isolate the program (resource limits and audit hook only;
   * see `RunPythonOptions.unsafe`). Default false: refuse.
   */
  unsafe?: boolean;
}

/** Formats a sandbox error as `Type: message` (or the message alone for our own notes). */
function describe(type: string, message: string): string {
  if (!type || type === "Timeout" || message.startsWith("the program does not define")) {
    return message;
  }
  return message ? `${type}: ${message}` : type;
}

/**
 * Runs the tests of `testCode` (which must define `check(candidate)`) against `program`,
 * calling the function `entryPoint` as the candidate. Verdicts of `assert value == expected`
 * statements are reached outside the sandbox (see `verdict.ts`).
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
    const [name, v] of [["program", program], ["testCode", testCode], ["entryPoint", entryPoint]]
  ) {
    if (typeof v !== "string") {
      throw new UserError(`runChecks: '${name}' must be a string, got ${typeof v}`);
    }
  }
  const r = await runStrictTests(program, testCode, entryPoint, {
    testTimeoutMs: options.testTimeoutMs ?? 3000,
    maxTimeouts: options.maxTimeouts ?? 3,
    memoryMb: options.memoryMb,
    python: options.python,
    limiter: options.limiter,
    tmpDir: options.tmpDir,
    unsafe: options.unsafe,
    guard: options.strictTypes ?? true,
    strictAnalyze: options.analyze,
  });
  const seconds = (options.testTimeoutMs ?? 3000) / 1000;
  return {
    syntax: {
      ok: r.syntax.ok,
      line: r.syntax.line,
      col: r.syntax.offset,
      message: r.syntax.ok
        ? ""
        : r.syntax.isSyntaxError || r.syntax.msg !== r.syntax.text
        ? r.syntax.msg
        : `could not parse: ${r.syntax.msg}`,
    },
    analysis: options.analyze ? r.analysis : null,
    planError: r.planError,
    loadError: r.loadError ? describe(r.loadError.type, r.loadError.message) : "",
    tests: r.tests.map((t, index) => ({
      index,
      source: t.source,
      status: t.status,
      error: t.status === "pass"
        ? ""
        : t.status === "skipped"
        ? (r.loadError
          ? `not run: ${describe(r.loadError.type, r.loadError.message)}`
          : t.errorMessage || "not run")
        : t.errorType === "TimeoutException"
        ? `timed out after ${seconds} s`
        : describe(t.errorType, t.errorMessage),
    })),
    passed: r.passed,
    total: r.total,
    timeouts: r.timeouts,
    runs: r.runs,
  };
}
