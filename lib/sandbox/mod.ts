/**
 * The Python sandbox: running untrusted code under bubblewrap and seccomp with limits,
 * extracting functions from completions, running tests and reporting verdicts.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { extractFunction } from "./mod.ts";
 * const code = "Here:\ndef f(x):\n    return x\n";
 * assert.match(extractFunction(code, "f") ?? "", /^def f\(x\):/);
 * ```
 *
 * @module
 */

export { runPython } from "./python.ts";
export type { RunPythonOptions, RunResult, RunStatus } from "./python.ts";
export { sandboxInfo } from "./setup.ts";
export type { SandboxInfo } from "./setup.ts";
export type { Interpreter } from "./interpreter.ts";
export type { Tools as SandboxTools } from "./bwrap.ts";
export { plannerRunOptions, runVerdictTests } from "./verdict.ts";
export type { PlanMode, VerdictOptions, VerdictReport, VerdictTest } from "./verdict.ts";
export { unitRunOptions } from "./verdict_run.ts";
export type { RunLimits } from "./verdict_run.ts";
export { coreCount, createLimiter, defaultLimiter, mapLimit } from "./pool.ts";
export type { Limiter } from "./pool.ts";
export { runChecks } from "./checks.ts";
export type {
  ChecksOptions,
  ChecksReport,
  FunctionAnalysis,
  SyntaxReport,
  TestOutcome,
} from "./checks.ts";
export { extractCode, extractFunction, hasReturnValue, importLines } from "./source.ts";
