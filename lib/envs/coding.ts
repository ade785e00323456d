/**
 * The two-agent coding environment (HumanEval format), as in the MAGRPO authors' code:
 * agent 1 writes a helper `aux(...)`, agent 2 writes the entry-point function, which may call
 * `aux`. The joint program (the problem's imports and given helpers, both agents' imports,
 * `aux`, the entry point) runs in the sandbox against the problem's `check(candidate)`.
 *
 * Reward levels (max 4.0): `aux_defined` +0.4 (aux has a `return`), `main_defined` +0.6
 * (missing: stop), `syntax` +0.5 (the joint program parses; else stop), `tests` = fraction of
 * asserts passed, `aux_used` +0.5 (≥1 test passed, aux exists, main calls aux),
 * `not_wrapper` +1.0 (additionally main is more than `return aux(...)`).
 *
 * @module
 */

import { UserError } from "../util/errors.ts";
import type { Environment, RewardBreakdown } from "./types.ts";
export type { AgentHistory, Environment, RewardBreakdown } from "./types.ts";
export type { HumanEvalProblem } from "./datasets.ts";
export type {
  ChecksOptions,
  ChecksReport,
  FunctionAnalysis,
  SyntaxReport,
  TestOutcome,
} from "../sandbox/checks.ts";
export type { Limiter } from "../sandbox/pool.ts";
import type { HumanEvalProblem } from "./datasets.ts";
import { type ChecksOptions, type ChecksReport, runChecks } from "../sandbox/checks.ts";
import { auxPrompt, feedbackPrompts, mainPrompt } from "./coding_feedback.ts";
import { extractCode, extractFunction, hasReturnValue, importLines } from "../sandbox/source.ts";
import { AUX_NAME, type JointProgram, jointProgram } from "./coding_program.ts";
import { codingAgentReward } from "./coding_agent.ts";
export {
  AUX_NAME,
  type JointProgram,
  jointProgram,
  type ProgramPart,
  promptPreamble,
} from "./coding_program.ts";
export { codingAgentLevels, codingAgentReward } from "./coding_agent.ts";

/** Maximum total reward of {@link codingReward}. */
export const CODING_MAX_REWARD = 4.0;

/** Everything learned about one joint action (input of the reward and of the feedback). */
export interface CodingReport {
  /** `def aux(` found in agent 1's completion. */
  auxFound: boolean;
  /** ... and it returns a value. */
  auxHasReturn: boolean;
  /** `def <entry_point>(` found in agent 2's completion. */
  mainFound: boolean;
  /** ... and it returns a value. */
  mainHasReturn: boolean;
  /** The extracted `aux` block (`""` when missing). */
  auxCode: string;
  /** The extracted entry-point block (`""` when missing). */
  mainCode: string;
  /** The joint program (empty when the entry point is missing). */
  joint: JointProgram;
  /** Sandbox results; `null` when the entry point was missing (nothing run). */
  checks: ChecksReport | null;
  /** For a syntax error: the part it is in and the line within that part. */
  syntaxWhere: { part: string; line: number } | null;
}

/** Options of {@link evaluateCoding} / {@link codingReward}: the sandbox test settings. */
export type CodingOptions = Omit<ChecksOptions, "analyze">;

/**
 * Runs the whole pipeline for one joint action: extract, build, parse, analyse, test.
 */
export async function evaluateCoding(
  auxCompletion: string,
  mainCompletion: string,
  problem: HumanEvalProblem,
  options: CodingOptions = {},
): Promise<CodingReport> {
  if (typeof auxCompletion !== "string" || typeof mainCompletion !== "string") {
    throw new UserError("evaluateCoding: both completions must be strings");
  }
  if (
    !problem || typeof problem.entry_point !== "string" ||
    typeof problem.test !== "string"
  ) {
    throw new UserError(
      "evaluateCoding: problem must be a HumanEval-format object (prompt, test, entry_point)",
    );
  }
  const auxText = extractCode(auxCompletion);
  const mainText = extractCode(mainCompletion);
  const auxCode = extractFunction(auxText, AUX_NAME);
  const mainCode = extractFunction(mainText, problem.entry_point);
  const report: CodingReport = {
    auxFound: auxCode !== "",
    auxHasReturn: auxCode !== "" && hasReturnValue(auxCode),
    mainFound: mainCode !== "",
    mainHasReturn: mainCode !== "" && hasReturnValue(mainCode),
    auxCode,
    mainCode,
    joint: { program: "", parts: [] },
    checks: null,
    syntaxWhere: null,
  };
  if (!report.mainHasReturn) return report;
  report.joint = jointProgram(problem, auxCode, mainCode, [
    ...importLines(auxText),
    ...importLines(mainText),
  ]);
  report.checks = await runChecks(
    report.joint.program,
    problem.test,
    problem.entry_point,
    {
      ...options,
      analyze: { function: problem.entry_point, helper: AUX_NAME },
    },
  );
  const line = report.checks.syntax.line;
  if (!report.checks.syntax.ok && line !== null) {
    const part = report.joint.parts.find((p) =>
      line >= p.startLine && line < p.startLine + p.lineCount + 2
    );
    report.syntaxWhere = part
      ? { part: part.name, line: line - part.startLine + 1 }
      : { part: "program", line };
  }
  return report;
}

/**
 * Turns a {@link CodingReport} into the leveled reward (all six levels always present).
 *
 * @example
 * ```ts
 * import { codingLevels, evaluateCoding } from "./coding.ts";
 * const problem = {
 *   task_id: "demo/1", prompt: "def inc(x):\n", canonical_solution: "    return x + 1\n",
 *   test: "def check(candidate):\n    assert candidate(1) == 2\n    assert candidate(2) == 4\n",
 *   entry_point: "inc",
 * };
 * const report = await evaluateCoding("", "def inc(x):\n    return x + 1", problem);
 * codingLevels(report).total; // no aux, 1 of 2 tests: 0.6 + 0.5 + 0.5 = 1.6
 * ```
 */
export function codingLevels(report: CodingReport): RewardBreakdown {
  const levels: Record<string, number> = {
    aux_defined: report.auxHasReturn ? 0.4 : 0,
    main_defined: report.mainHasReturn ? 0.6 : 0,
    syntax: 0,
    tests: 0,
    aux_used: 0,
    not_wrapper: 0,
  };
  const c = report.checks;
  if (report.mainHasReturn && c && c.syntax.ok) {
    levels.syntax = 0.5;
    levels.tests = c.total > 0 ? c.passed / c.total : 0;
    if (c.passed >= 1 && report.auxFound && c.analysis?.calls) {
      levels.aux_used = 0.5;
      if (!c.analysis.wrapper) levels.not_wrapper = 1.0;
    }
  }
  const total = Object.values(levels).reduce((a, b) => a + b, 0);
  return { total: Math.round(total * 1e9) / 1e9, levels };
}

/**
 * The joint reward of an aux completion and a main completion on a HumanEval-format problem.
 *
 * @example
 * ```ts
 * import { codingReward } from "./coding.ts";
 * const problem = {
 *   task_id: "demo/0", prompt: "def double(x):\n", canonical_solution: "    return 2 * x\n",
 *   test: "def check(candidate):\n    assert candidate(2) == 4\n", entry_point: "double",
 * };
 * const r = await codingReward(
 *   "def aux(x):\n    return x + x",
 *   "def double(x):\n    y = aux(x)\n    assert y == 2 * x\n    return y",
 *   problem,
 * );
 * // r.total === 4, r.levels.tests === 1
 * ```
 */
export async function codingReward(
  auxCode: string,
  mainCode: string,
  problem: HumanEvalProblem,
  options: CodingOptions = {},
): Promise<RewardBreakdown> {
  return codingLevels(
    await evaluateCoding(auxCode, mainCode, problem, options),
  );
}

/** Options of {@link codingEnv}. */
export interface CodingEnvOptions extends CodingOptions {
  /** How many evaluated joint actions to remember for `transition` (default 512). */
  cacheSize?: number;
}

/**
 * The coding environment: agent 0 writes `aux`, agent 1 the entry point. `transition` gives
 * each agent its own next prompt with diagnostics of the joint program; `agentReward` is
 * {@link codingAgentReward} (each agent's code scored alone, for independent learners).
 *
 * @example
 * ```ts
 * import { codingEnv } from "./coding.ts";
 * import { loadCoopCodingProblems } from "./datasets.ts";
 * const env = codingEnv(await loadCoopCodingProblems());
 * const prompts = env.formatters.map((f) => f(env.rows[0])); // [aux prompt, main prompt]
 * ```
 */
export function codingEnv(
  rows: HumanEvalProblem[],
  options: CodingEnvOptions = {},
): Environment<HumanEvalProblem> {
  const { cacheSize = 512, ...checkOptions } = options;
  const cache = new Map<string, Promise<CodingReport>>();
  const evaluate = (completions: string[], example: HumanEvalProblem) => {
    if (!Array.isArray(completions) || completions.length !== 2) {
      throw new UserError(
        `codingEnv: expected 2 completions (aux, main), got ${completions?.length}`,
      );
    }
    const key = JSON.stringify([
      example.task_id,
      completions[0],
      completions[1],
    ]);
    let hit = cache.get(key);
    if (!hit) {
      hit = evaluateCoding(
        completions[0],
        completions[1],
        example,
        checkOptions,
      );
      cache.set(key, hit);
      hit.catch(() => cache.delete(key));
      while (cache.size > cacheSize) {
        cache.delete(cache.keys().next().value as string);
      }
    }
    return hit;
  };
  return {
    name: "coding",
    numAgents: 2,
    rows,
    formatters: [auxPrompt, mainPrompt],
    reward: async (completions, example) => codingLevels(await evaluate(completions, example)),
    agentReward: (agent, text, example) => codingAgentReward(agent, text, example, checkOptions),
    transition: async (example, completions, histories) =>
      feedbackPrompts(
        example,
        await evaluate(completions, example),
        completions,
        histories,
      ),
  };
}
