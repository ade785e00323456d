/**
 * The MAGRPO authors' coding evaluation metrics (behaviour of LLM_Collab_Code_Generation
 * `loggers/code_logger.py` `code_reward_logger`, per turn as `loggers/mt_code_logger.py`), pinned
 * in `tests/authors/coding_single.json` (made by `tools/authors_coding_single.py`). Their names
 * are kept, so the trainer's `turnMetrics[t]` holds what their W&B logs as `turn_{t+1}/avg_*`.
 *
 * | metric | value |
 * | --- | --- |
 * | `level_1_reward` | 0.4 aux defined with a return + 0.6 main defined with a return |
 * | `level_2_reward` | 0.5 when prompt imports + aux + main parse (main missing: 0, stop) |
 * | `level_3_reward` | `test_reward` + `bonus_reward` |
 * | `test_reward`, `passed_rate` | passed / total tests (0 when the program fails to load) |
 * | `passed_tests`, `total_tests`, `timeout_num` | counts (each test line run once, 10 s, stop after 3 timeouts) |
 * | `aux_usage_bonus`, `anti_wrapper_bonus`, `called_wo_used_deduction` | 0.5, 1.0, 0.5 as in the reward |
 * | `bonus_reward` | 0.5 + 1.0 − 0.5 of those that apply |
 * | `total_reward`, `gated_total_reward` | level 1 + 2 + 3 |
 * | `passed` (ours) | 1 when every test passed (at least one), else 0: pass@k reads it |
 *
 * Unlike the reward, the logger runs each test line once with `exec` (no separate evaluation of
 * the call), so a test whose call has side effects can count differently. The program's globals
 * start with `math`, as the reward's and the feedback's do upstream (the fork's logger starts them
 * empty: a test that uses `math` without importing it fails there).
 *
 * @module
 */

import type { HumanEvalProblem } from "./datasets.ts";
import {
  authorsCleanup,
  authorsCombine,
  authorsDefined,
  authorsExtractFunction,
  authorsIgnoresAux,
  authorsIsWrapper,
  authorsPromptImports,
  authorsTestLines,
  authorsUsesAux,
} from "./coding_authors.ts";
import { runVerdictTests, type VerdictOptions } from "../sandbox/verdict.ts";

/** Options: the sandbox settings (the authors' 10 s per test and 3 timeouts by default). */
export type AuthorsMetricsOptions = Omit<VerdictOptions, "mode" | "analyze">;

/** The metrics of one joint answer, named as the authors' logger names them. */
export interface AuthorsCodingMetrics extends Record<string, number> {
  /** Definitions: 0.4 (aux) + 0.6 (main). */
  level_1_reward: number;
  /** Syntax: 0.5. */
  level_2_reward: number;
  /** Tests and cooperation bonuses. */
  level_3_reward: number;
  /** Fraction of tests passed. */
  test_reward: number;
  /** Tests passed. */
  passed_tests: number;
  /** Test lines. */
  total_tests: number;
  /** Fraction of tests passed. */
  passed_rate: number;
  /** Tests that timed out. */
  timeout_num: number;
  /** Sum of the bonuses, after the deduction. */
  bonus_reward: number;
  /** 0.5 when main calls aux (some test passed, aux defined). */
  aux_usage_bonus: number;
  /** 1.0 when additionally main is not a thin wrapper. */
  anti_wrapper_bonus: number;
  /** 0.5 when additionally a call of aux ignores its result (subtracted). */
  called_wo_used_deduction: number;
  /** Level 1 + 2 + 3 (the reward). */
  total_reward: number;
  /** The same (their early-stopping gate is off in evaluation). */
  gated_total_reward: number;
  /** Ours: 1 when every test passed (at least one test), else 0. */
  passed: number;
}

/**
 * The authors' logger metrics of one answer (aux and main completions; aux `""` for the
 * single-agent baseline).
 *
 * @example
 * ```ts
 * import { authorsCodingMetrics } from "./coding_metrics_authors.ts";
 * const problem = {
 *   task_id: "t", prompt: "def inc(x):\n", entry_point: "inc",
 *   test: "def check(candidate):\n    assert candidate(1) == 2\n    assert candidate(2) == 4\n",
 * };
 * const m = await authorsCodingMetrics("", "def inc(x):\n    return x + 1", problem);
 * // m.passed_tests === 1, m.passed_rate === 0.5, m.total_reward === 1.6, m.passed === 0
 * ```
 */
export async function authorsCodingMetrics(
  auxCompletion: string,
  mainCompletion: string,
  problem: HumanEvalProblem,
  options: AuthorsMetricsOptions = {},
): Promise<AuthorsCodingMetrics> {
  const m: AuthorsCodingMetrics = {
    level_1_reward: 0,
    level_2_reward: 0,
    level_3_reward: 0,
    test_reward: 0,
    passed_tests: 0,
    total_tests: 0,
    passed_rate: 0,
    timeout_num: 0,
    bonus_reward: 0,
    aux_usage_bonus: 0,
    anti_wrapper_bonus: 0,
    called_wo_used_deduction: 0,
    total_reward: 0,
    gated_total_reward: 0,
    passed: 0,
  };
  const entry = problem.entry_point;
  const auxClean = authorsCleanup(auxCompletion);
  const mainClean = authorsCleanup(mainCompletion);
  const auxFunc = authorsExtractFunction(auxClean, "aux");
  const mainFunc = authorsExtractFunction(mainClean, entry);
  const finish = () => {
    m.total_reward = m.level_1_reward + m.level_2_reward + m.level_3_reward;
    m.gated_total_reward = m.total_reward;
    return m;
  };
  if (authorsDefined(auxClean, "aux", "Aux function").ok) m.level_1_reward += 0.4;
  if (!authorsDefined(mainClean, entry, `Main function (${entry})`).ok) return finish();
  m.level_1_reward += 0.6;
  const combined = authorsCombine(auxFunc, mainFunc, authorsPromptImports(problem.prompt));
  const lines = authorsTestLines(problem.test, entry);
  const v = await runVerdictTests(combined, lines, { ...options, mode: "once" });
  if (!v.syntax.ok) return finish();
  m.level_2_reward = 0.5;
  if (lines.length === 0) return finish();
  m.total_tests = lines.length;
  if (!v.loadError) {
    m.passed_tests = v.passed;
    m.timeout_num = v.timeouts;
    m.passed_rate = v.passed / m.total_tests;
    m.test_reward = m.passed_rate * 1.0;
  }
  m.level_3_reward = m.test_reward;
  if (m.passed_tests > 0 && auxFunc && authorsUsesAux(mainFunc)) {
    m.aux_usage_bonus = 0.5;
    m.bonus_reward += 0.5;
    if (!authorsIsWrapper(mainFunc)) {
      m.anti_wrapper_bonus = 1.0;
      m.bonus_reward += 1.0;
    }
    if (authorsIgnoresAux(mainFunc).length > 0) {
      m.called_wo_used_deduction = 0.5;
      m.bonus_reward -= 0.5;
    }
  }
  m.level_3_reward += m.bonus_reward;
  m.passed = m.passed_tests === m.total_tests ? 1 : 0;
  return finish();
}

/**
 * The authors' per-turn metrics of one evaluated episode (their `mt_humaneval_logger`, every
 * turn, no early termination): `turnTexts[t]` is `[aux, main]` at turn t (a single agent's
 * `["", main]`).
 */
export async function authorsCodingTurnMetrics(
  problem: HumanEvalProblem,
  turnTexts: string[][],
  options: AuthorsMetricsOptions = {},
): Promise<AuthorsCodingMetrics[]> {
  return await Promise.all(
    turnTexts.map((t) =>
      authorsCodingMetrics(t.length > 1 ? t[0] : "", t[t.length - 1] ?? "", problem, options)
    ),
  );
}
