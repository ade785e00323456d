/**
 * The two-agent coding environment (HumanEval format) of the MAGRPO paper: agent 1 writes a
 * helper `aux(...)`, agent 2 writes the entry-point function, which may call `aux`.
 *
 * Two reward variants (`rewardVariant`):
 * - `"authors"` (default): exactly the authors' `execution_reward_aux`, see
 *   {@link ./coding_reward_authors.ts} (their text heuristics, prompt imports + aux + main
 *   only, their test-line extraction, 10 s per test, the −0.5 for an ignored aux call).
 * - `"strict"`: ours, below. The joint program (the problem's imports and given helpers, both
 *   agents' imports, `aux`, the entry point) runs against the problem's `check(candidate)`,
 *   one top-level statement at a time. Levels (max 4.0): `aux_defined` +0.4 (aux has a
 *   `return` with a value, by tokens), `main_defined` +0.6 (missing: stop), `syntax` +0.5
 *   (else stop), `tests` = fraction passed, `aux_used` +0.5 (≥1 test passed, aux exists, main
 *   calls aux by AST), `not_wrapper` +1.0 (additionally main is more than `return aux(...)`).
 *
 * Prompts (`prompts`) and the multi-turn transition (`feedback`) are the authors' by default
 * ({@link ./coding_feedback_authors.ts}); ours stay available as `"ours"` / `"full"`.
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
import { runChecks } from "../sandbox/checks.ts";
import { auxPrompt, feedbackPrompts, mainPrompt, singleFeedbackPrompt } from "./coding_feedback.ts";
import {
  authorsAuxPrompt,
  authorsFeedbackPrompts,
  authorsMainPrompt,
  authorsSingleFeedbackPrompt,
  authorsSinglePrompt,
} from "./coding_feedback_authors.ts";
import { authorsCodingTurnMetrics } from "./coding_metrics_authors.ts";
import { codingRewardAuthors } from "./coding_reward_authors.ts";
import { extractCode, extractFunction, hasReturnValue, importLines } from "../sandbox/source.ts";
import { AUX_NAME, jointProgram } from "./coding_program.ts";
import { codingAgentReward } from "./coding_agent.ts";
import type { CodingOptions, CodingReport } from "./coding_types.ts";
export type { CodingOptions, CodingReport, RewardVariant } from "./coding_types.ts";
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
  const { rewardVariant = "authors", ...rest } = options;
  checkVariant(rewardVariant);
  if (typeof auxCode !== "string" || typeof mainCode !== "string") {
    throw new UserError("codingReward: both completions must be strings");
  }
  checkProblem(problem, "codingReward");
  if (rewardVariant === "authors") {
    const { strictTypes: _s, ...sandbox } = rest;
    return await codingRewardAuthors(auxCode, mainCode, problem, sandbox);
  }
  return codingLevels(await evaluateCoding(auxCode, mainCode, problem, rest));
}

function checkVariant(v: unknown): void {
  if (v !== "authors" && v !== "strict") {
    throw new UserError(
      `coding: rewardVariant must be "authors" or "strict", got ${JSON.stringify(v)}`,
    );
  }
}

function checkProblem(problem: HumanEvalProblem, who: string): void {
  if (
    !problem || typeof problem.entry_point !== "string" || typeof problem.test !== "string" ||
    typeof problem.prompt !== "string"
  ) {
    throw new UserError(
      `${who}: problem must be a HumanEval-format object (prompt, test, entry_point)`,
    );
  }
}

/** Options of {@link codingEnv}. */
export interface CodingEnvOptions extends CodingOptions {
  /** How many evaluated joint actions to remember (default 512). */
  cacheSize?: number;
  /**
   * Multi-turn transition: `"authors"` (default; their level feedback: only the first assert
   * is run and shown, each agent's full history prepended) or `"full"` (ours: every assert
   * run, `Tests: p/t passed` and the first failing assert shown, no history).
   */
  feedback?: "authors" | "full";
  /** First-turn prompts: the authors' formatter strings (default) or ours. */
  prompts?: "authors" | "ours";
}

/**
 * The coding environment: agent 0 writes `aux`, agent 1 the entry point. `reward` is
 * {@link codingReward} with `rewardVariant`; `transition` gives each agent its next prompt
 * (`feedback`); `agentReward` is {@link codingAgentReward} (each agent's code scored alone).
 * Evaluations are cached by the whole problem and both completions.
 *
 * Single-agent GRPO (the authors' baseline): `singlePrompt` is their `complete_function_formatter`
 * (whatever `prompts`), `singleSplit` gives `["", text]` (main alone, no aux),
 * `singleTransition` their one-agent level feedback (`feedback: "full"`: ours). `evalMetrics`
 * gives their logger's per-turn metrics and `passed` (see `coding_metrics_authors.ts`), so
 * evaluations log their pass rates and, with several samples, pass@k. Sandbox options
 * (`unsafe`, `python`, limits) reach every Python process the environment starts.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { codingEnv } from "./coding.ts";
 * import { loadCoopCodingProblems } from "./datasets.ts";
 * const env = codingEnv(await loadCoopCodingProblems());
 * const prompts = env.formatters.map((f) => f(env.rows[0])); // [aux prompt, main prompt]
 * assert.equal(prompts.length, 2);
 * ```
 */
export function codingEnv(
  rows: HumanEvalProblem[],
  options: CodingEnvOptions = {},
): Environment<HumanEvalProblem> {
  const {
    cacheSize = 512,
    feedback = "authors",
    prompts = "authors",
    rewardVariant = "authors",
    ...checkOptions
  } = options;
  checkVariant(rewardVariant);
  if (feedback !== "authors" && feedback !== "full") {
    throw new UserError(
      `codingEnv: feedback must be "authors" or "full", got ${JSON.stringify(feedback)}`,
    );
  }
  if (prompts !== "authors" && prompts !== "ours") {
    throw new UserError(
      `codingEnv: prompts must be "authors" or "ours", got ${JSON.stringify(prompts)}`,
    );
  }
  const cache = new Map<string, Promise<unknown>>();
  const cached = <T>(
    kind: string,
    completions: string[],
    example: HumanEvalProblem,
    run: () => Promise<T>,
  ): Promise<T> => {
    if (!Array.isArray(completions) || completions.length !== 2) {
      throw new UserError(
        `codingEnv: expected 2 completions (aux, main), got ${completions?.length}`,
      );
    }
    checkProblem(example, "codingEnv");
    const key = JSON.stringify([
      kind,
      example.task_id,
      example.prompt,
      example.test,
      example.entry_point,
      completions[0],
      completions[1],
    ]);
    let hit = cache.get(key) as Promise<T> | undefined;
    if (!hit) {
      hit = run();
      cache.set(key, hit);
      hit.catch(() => cache.delete(key));
      while (cache.size > cacheSize) cache.delete(cache.keys().next().value as string);
    }
    return hit;
  };
  const { strictTypes: _s, ...sandbox } = checkOptions;
  const strictReport = (completions: string[], example: HumanEvalProblem) =>
    cached(
      "strict",
      completions,
      example,
      () => evaluateCoding(completions[0], completions[1], example, checkOptions),
    );
  return {
    name: "coding",
    numAgents: 2,
    rows,
    formatters: prompts === "authors" ? [authorsAuxPrompt, authorsMainPrompt] : [
      auxPrompt,
      mainPrompt,
    ],
    reward: async (completions, example) =>
      rewardVariant === "strict"
        ? codingLevels(await strictReport(completions, example))
        : await cached("authors", completions, example, () =>
          codingReward(completions[0], completions[1], example, {
            ...checkOptions,
            rewardVariant,
          })),
    agentReward: (agent, text, example) => codingAgentReward(agent, text, example, checkOptions),
    singlePrompt: (example) => authorsSinglePrompt(example),
    singleSplit: (text) => ["", text],
    singleTransition: async (example, completion, history) =>
      feedback === "authors"
        ? await authorsSingleFeedbackPrompt(example, completion, history, sandbox)
        : singleFeedbackPrompt(example, await strictReport(["", completion], example), completion),
    evalMetrics: (example, turnTexts) => authorsCodingTurnMetrics(example, turnTexts, sandbox),
    transition: async (example, completions, histories) =>
      feedback === "authors"
        ? await cached(
          "feedback:" + JSON.stringify(histories),
          completions,
          example,
          () => authorsFeedbackPrompts(example, completions, histories, sandbox),
        )
        : feedbackPrompts(
          example,
          await strictReport(completions, example),
          completions,
          histories,
        ),
  };
}
