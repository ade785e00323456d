/**
 * Test verdicts decided outside the untrusted process. For each test line a trusted planner
 * (`test_plan.py`, reading only the dataset's test code) splits `assert value == expected` into
 * the value to compute and the expected side, which it evaluates itself; the sandbox
 * (`value_runner.py`) computes only the values and reports them as plain data; the comparison
 * (Python's `==`, {@link pyEqual}) and the pass count are made here. The candidate never holds
 * an expected value, so walking up its stack or printing forged status lines cannot pass a
 * test; results that are not plain data (an object whose `__eq__` is always true) fail.
 * Tests of any other form run inside the sandbox as before (`inSandbox` counts them).
 *
 * @module
 */

import { UserError } from "../util/errors.ts";
import type { Limiter } from "./pool.ts";
import { runPython, type RunPythonOptions } from "./python.ts";
import { type Plain, pyEqual } from "./plain.ts";
import {
  executeUnits,
  type Message,
  pyProgram,
  type RunOutcome,
  type RunUnit,
} from "./verdict_run.ts";

/** How the planner reads a test line: the authors' reward, or plain `exec` (their feedback). */
export type PlanMode = "authors" | "once";

/** The planner's decision for one test line (see `test_plan.py`). */
export interface PlannedTest {
  /** `value`: decided here; `exec`: decided in the sandbox; `fail`: cannot pass, not run. */
  kind: "value" | "exec" | "fail";
  /** Expression the sandbox evaluates (value tests; exec tests in authors mode). */
  call?: string | null;
  /** Times the call is evaluated (the authors' reward evaluates it twice). */
  times?: number;
  /** The expected value (value tests); for exec tests in authors mode, its source text. */
  expected?: Plain;
  /** The test fails once the call ran (the expected side raises or does not compile). */
  never?: boolean;
  /** The whole line (exec tests). */
  line?: string;
  /** Error type and message a failure of this test reports. */
  type?: string;
  /** See `type`. */
  message?: string;
}

/** One test's outcome. */
export interface VerdictTest {
  /** The test line. */
  source: string;
  /** How it ended (`skipped`: not run, after the timeout limit or a load failure). */
  status: "pass" | "fail" | "error" | "timeout" | "skipped";
  /** Python exception type of a failure (`""` on pass). */
  errorType: string;
  /** Its message (`str(e)`). */
  errorMessage: string;
  /** Where the verdict was reached. */
  decidedBy: "trusted" | "sandbox";
}

/** What {@link runVerdictTests} learned. */
export interface VerdictReport {
  /** Syntax of the program (checked before any of it runs). */
  syntax: {
    ok: boolean;
    text: string;
    line: number | null;
    offset: number | null;
    msg: string;
    /** The parser raised SyntaxError (not ValueError, e.g. for a NUL byte). */
    isSyntaxError?: boolean;
  };
  /** Defining the program failed: exception type and message; `null` when it loaded. */
  loadError: { type: string; message: string } | null;
  /** One per test line, in order. */
  tests: VerdictTest[];
  /** Tests passed. */
  passed: number;
  /** Test lines. */
  total: number;
  /** Tests that timed out. */
  timeouts: number;
  /** Tests whose verdict the sandbox reached (not of the `value == expected` form). */
  inSandbox: number;
  /** Sandbox processes used (more than 1 after a hard kill). */
  runs: number;
  /** From `analyze`: main's calls of aux whose result is ignored ("Line N: reason"). */
  auxMisuse: string[];
}

/** Options of {@link runVerdictTests}. */
export interface VerdictOptions {
  /** Planner mode (default `"authors"`). */
  mode?: PlanMode;
  /** Per-test time limit, ms (default 10000, the authors'). */
  testTimeoutMs?: number;
  /** Stop after this many timeouts (default 3). */
  maxTimeouts?: number;
  /** Start the program's globals with `math` (the authors' newest code does). Default true. */
  preloadMath?: boolean;
  /** Main's code: also report how it misuses aux (the authors' feedback analysis). */
  analyze?: string;
  /** Memory limit of the sandbox, MiB (default 512). */
  memoryMb?: number;
  /** Python interpreter. */
  python?: string;
  /** Concurrency limiter. */
  limiter?: Limiter;
  /** Where the sandbox makes its working directories. */
  tmpDir?: string;
  /**
   * Run even where the kernel cannot isolate the program (resource limits and audit hook only;
   * see `RunPythonOptions.unsafe`). Default false: {@link runPython} refuses.
   */
  unsafe?: boolean;
}

/**
 * The {@link runPython} options of the trusted test planner (`test_plan.py`, which reads only
 * the dataset's test code): generous limits, and the interpreter, limiter, working folder and
 * `unsafe` of `options`.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { plannerRunOptions } from "./verdict.ts";
 * assert.deepEqual(plannerRunOptions({ unsafe: true }).unsafe, true);
 * ```
 */
export function plannerRunOptions(
  options: Pick<VerdictOptions, "python" | "limiter" | "tmpDir" | "unsafe">,
): RunPythonOptions {
  return {
    timeoutMs: 30_000,
    memoryMb: 1024,
    maxOutputBytes: 64 << 20,
    python: options.python,
    limiter: options.limiter,
    tmpDir: options.tmpDir,
    unsafe: options.unsafe === true,
  };
}

const planCache = new Map<string, Promise<PlannedTest[]>>();
const PLAN_CACHE_SIZE = 512;

/**
 * Plans the test lines (trusted: reads only the test code). Cached by mode and lines.
 */
export function planTests(
  lines: string[],
  mode: PlanMode,
  options: Pick<VerdictOptions, "python" | "limiter" | "tmpDir" | "unsafe"> = {},
): Promise<PlannedTest[]> {
  const key = JSON.stringify([mode, lines]);
  let hit = planCache.get(key);
  if (hit) return hit;
  hit = (async () => {
    const res = await runPython(
      await pyProgram("test_plan.py", { mode, lines }),
      plannerRunOptions(options),
    );
    if (!res.ok) {
      throw new UserError(`planning the tests failed: ${res.reason}\n${res.stderr.slice(-2000)}`);
    }
    const plan = JSON.parse(res.stdout) as PlannedTest[];
    if (!Array.isArray(plan) || plan.length !== lines.length) {
      throw new UserError("planning the tests failed: the planner returned no plan");
    }
    return plan;
  })();
  planCache.set(key, hit);
  hit.catch(() => planCache.delete(key));
  while (planCache.size > PLAN_CACHE_SIZE) planCache.delete(planCache.keys().next().value!);
  return hit;
}

function checkLimits(who: string, options: VerdictOptions, dflt: number) {
  const testTimeoutMs = options.testTimeoutMs ?? dflt;
  const maxTimeouts = options.maxTimeouts ?? 3;
  if (!(testTimeoutMs > 0) || !Number.isInteger(maxTimeouts) || maxTimeouts < 1) {
    throw new UserError(
      `${who}: testTimeoutMs must be > 0 and maxTimeouts a positive integer, got ${testTimeoutMs}, ${maxTimeouts}`,
    );
  }
  return { ...options, testTimeoutMs, maxTimeouts };
}

function syntaxOf(run: RunOutcome): VerdictReport["syntax"] {
  const m = run.syntax;
  if (!m) {
    const why = run.lastFailure || "the parser ended early";
    return { ok: false, text: why, line: null, offset: null, msg: why };
  }
  return {
    ok: m.ok === true,
    text: m.ok === true ? "" : String(m.text ?? ""),
    line: typeof m.line === "number" ? m.line : null,
    offset: typeof m.offset === "number" ? m.offset : null,
    msg: m.ok === true ? "" : String(m.msg ?? ""),
    isSyntaxError: m.isSyntaxError === true,
  };
}

/**
 * Runs `lines` (test statements, already naming the entry point) against `program`.
 *
 * @example
 * ```ts
 * import { runVerdictTests } from "./verdict.ts";
 * const r = await runVerdictTests("def f(x):\n    return x + 1\n", ["assert f(1) == 2", "assert f(2) == 5"]);
 * // r.passed === 1, r.total === 2, r.tests[0].decidedBy === "trusted"
 * ```
 */
export async function runVerdictTests(
  program: string,
  lines: string[],
  options: VerdictOptions = {},
): Promise<VerdictReport> {
  if (typeof program !== "string" || !Array.isArray(lines)) {
    throw new UserError("runVerdictTests: program must be a string and lines an array");
  }
  const limits = checkLimits("runVerdictTests", options, 10_000);
  const plan = lines.length ? await planTests(lines, options.mode ?? "authors", options) : [];
  const units: RunUnit[] = [];
  const unitOf: (number | null)[] = plan.map((p, test) => {
    if (p.kind === "fail") return null;
    units.push(
      p.kind === "value"
        ? { i: units.length, kind: "value", test, call: p.call, times: p.times ?? 1 }
        : {
          i: units.length,
          kind: "exec",
          test,
          line: p.line,
          call: p.call ?? null,
          expected: p.expected ?? null,
        },
    );
    return units.length - 1;
  });
  const run = await executeUnits({
    program,
    units,
    load: units.length > 0,
    analyze: options.analyze ?? null,
    preloadMath: options.preloadMath ?? true,
  }, limits);
  return report(run, lines, plan, unitOf);
}

/** The plan of a whole test file for our strict harness (see `test_plan.py`). */
interface StrictPlan {
  error?: string;
  param: string;
  prelude: string;
  units: (PlannedTest & { test: number | null })[];
  tests: string[];
}

/** What {@link runStrictTests} learned: a {@link VerdictReport} plus the strict extras. */
export interface StrictReport extends VerdictReport {
  /** Non-empty when the test code is unusable (syntax error, no `check`). */
  planError: string;
  /** Our strict analysis of `strictAnalyze.function`, when asked and the program parsed. */
  analysis: { found: boolean; calls: boolean; wrapper: boolean } | null;
  /** Why tests were not run (timeout limit, a failed setup statement). */
  stopReason: string;
}

/**
 * Our strict harness: each top-level statement of `check(candidate)` that asserts on the
 * candidate is a test (the others are setup, run in order), the test file's other statements
 * run after the program; the candidate's results are copied to built-in types
 * (`guard`, default true). Verdicts of `assert value == expected` statements are decided here.
 */
export async function runStrictTests(
  program: string,
  testCode: string,
  entryPoint: string,
  options: VerdictOptions & {
    guard?: boolean;
    strictAnalyze?: { function: string; helper: string };
  } = {},
): Promise<StrictReport> {
  const limits = checkLimits("runChecks", options, 3000);
  const key = JSON.stringify(["strict", testCode]);
  let hit = planCache.get(key) as unknown as Promise<StrictPlan> | undefined;
  if (!hit) {
    hit = planStrict(testCode, options);
    planCache.set(key, hit as unknown as Promise<PlannedTest[]>);
    hit.catch(() => planCache.delete(key));
  }
  const plan = await hit;
  const units: RunUnit[] = (plan.units ?? []).map((u, i) =>
    u.kind === "value"
      ? { i, kind: "value", test: u.test, call: u.call, times: 1 }
      : { i, kind: "exec", test: u.test, line: u.line }
  );
  const run = await executeUnits({
    program,
    units,
    load: !plan.error,
    strictAnalyze: options.strictAnalyze ?? null,
    prelude: plan.prelude ?? null,
    param: plan.param ?? null,
    entry: entryPoint,
    guard: options.guard ?? true,
    preloadMath: options.preloadMath ?? false,
    moduleName: "__solution__",
  }, limits);
  const tests = plan.tests ?? [];
  const testPlans = tests.map((_, t) => units.findIndex((u) => u.test === t));
  const base = report(run, tests, testPlans.map((u) => plan.units[u]), testPlans);
  const a = run.strictAnalysis;
  return {
    ...base,
    planError: plan.error ?? "",
    analysis: a ? { found: !!a.found, calls: !!a.calls, wrapper: !!a.wrapper } : null,
    stopReason: run.stopReason,
  };
}

async function planStrict(
  testCode: string,
  options: Pick<VerdictOptions, "python" | "limiter" | "tmpDir" | "unsafe">,
): Promise<StrictPlan> {
  const res = await runPython(
    await pyProgram("test_plan.py", { mode: "strict", test: testCode }),
    plannerRunOptions(options),
  );
  if (!res.ok) {
    throw new UserError(`planning the tests failed: ${res.reason}\n${res.stderr.slice(-2000)}`);
  }
  return JSON.parse(res.stdout) as StrictPlan;
}

function report(
  run: RunOutcome,
  lines: string[],
  plan: PlannedTest[],
  unitOf: (number | null)[],
): VerdictReport {
  const out: VerdictReport = {
    syntax: syntaxOf(run),
    loadError: run.loadError,
    tests: [],
    passed: 0,
    total: lines.length,
    timeouts: run.timeouts,
    inSandbox: plan.filter((p) => p.kind === "exec").length,
    runs: run.runs,
    auxMisuse: run.auxMisuse,
  };
  out.tests = lines.map((source, t) => {
    const u = unitOf[t];
    return judge(source, plan[t], u === null ? undefined : run.results.get(u), out, run.stopReason);
  });
  out.passed = out.tests.filter((t) => t.status === "pass").length;
  return out;
}

function judge(
  source: string,
  p: PlannedTest,
  m: Message | undefined,
  report: VerdictReport,
  stopReason: string,
): VerdictTest {
  const decidedBy = p.kind === "exec" ? "sandbox" : "trusted";
  const out = (status: VerdictTest["status"], errorType = "", errorMessage = "") => ({
    source,
    status,
    errorType,
    errorMessage,
    decidedBy,
  } as VerdictTest);
  if (!report.syntax.ok) return out("skipped", "", "not run: the program does not parse");
  if (p.kind === "fail") return out("fail", p.type ?? "SyntaxError", p.message ?? "");
  if (report.loadError) return out("skipped", report.loadError.type, report.loadError.message);
  if (!m) return out("skipped", "", stopReason || "not run");
  const type = String(m.type ?? "");
  const message = String(m.message ?? "");
  if (m.status === "timeout") return out("timeout", type, message);
  if (p.kind === "exec") {
    if (m.status === "pass") return out("pass");
    return out(m.status === "fail" ? "fail" : "error", type, message);
  }
  if (m.status !== "value") return out(m.status === "notplain" ? "fail" : "error", type, message);
  if (p.never || p.expected === undefined) return out("fail", p.type ?? "Error", p.message ?? "");
  return pyEqual(m.value as Plain, p.expected)
    ? out("pass")
    : out("fail", p.type ?? "AssertionError", p.message ?? "");
}
