/**
 * The coding reward as the MAGRPO authors compute it (`execution_reward_aux` in
 * LLM_Collab_Code_Generation, newest upstream: the program's globals start with `math`), the
 * default `rewardVariant: "authors"` of {@link ./coding.ts}. Tested against values their own
 * code produced (`tests/authors/coding_corpus.json`, made by `tools/authors_coding_corpus.py`).
 *
 * | level | credit | rule (theirs) |
 * | --- | --- | --- |
 * | `aux_defined` | +0.4 | `def aux(` found in the cleaned aux completion and `return\s+` in its block |
 * | `main_defined` | +0.6 | the same for the entry point; missing: stop |
 * | `syntax` | +0.5 | prompt imports + aux + main parse (prompt helpers are not included); else stop |
 * | `tests` | passed / total | lines of `check` starting `assert` + whitespace and mentioning `candidate`, one by one, 10 s each, stop after 3 timeouts; a program that fails to load gets 0 |
 * | `aux_used` | +0.5 | ≥ 1 test passed, aux extracted, `aux(` in main's text (comments count) |
 * | `not_wrapper` | +1.0 | additionally main is not `return …aux…` / `v = aux(…)` + `return v` |
 * | `aux_ignored` | −0.5 | additionally a line of main is exactly `aux (x)` (their regex) |
 *
 * The one deliberate difference: a test of the form `assert call == expected` is decided
 * outside the sandbox, and a result that is not plain data fails it (see `sandbox/verdict.ts`).
 * The total is summed in their order, so it equals their float exactly.
 *
 * @module
 */

import type { RewardBreakdown } from "./types.ts";
import type { HumanEvalProblem } from "./datasets.ts";
import {
  authorsCombine,
  authorsDefined,
  authorsExtractFunction,
  authorsIgnoresAux,
  authorsIsWrapper,
  authorsPromptImports,
  authorsTestLines,
  authorsUsesAux,
} from "./coding_authors.ts";
import { runVerdictTests, type VerdictOptions, type VerdictReport } from "../sandbox/verdict.ts";

/** Everything the authors' reward looks at for one joint action. */
export interface AuthorsCodingReport {
  /** Aux's definition check (`ok`, and their message). */
  aux: { ok: boolean; message: string };
  /** Main's definition check. */
  main: { ok: boolean; message: string };
  /** The extracted aux block (`""` when missing). */
  auxFunc: string;
  /** The extracted entry-point block. */
  mainFunc: string;
  /** Prompt imports + aux + main: what is parsed and run. */
  combined: string;
  /** The test lines (candidate renamed to the entry point). */
  lines: string[];
  /** Sandbox and verdicts; `null` when nothing was run (main missing). */
  verdict: VerdictReport | null;
}

/** Options: the sandbox settings (the authors' 10 s per test and 3 timeouts by default). */
export type AuthorsCodingOptions = Omit<VerdictOptions, "mode" | "analyze">;

/**
 * Extracts, builds and runs one joint action as the authors' reward does.
 */
export async function evaluateCodingAuthors(
  auxCompletion: string,
  mainCompletion: string,
  problem: HumanEvalProblem,
  options: AuthorsCodingOptions = {},
): Promise<AuthorsCodingReport> {
  const entry = problem.entry_point;
  const auxFunc = authorsExtractFunction(auxCompletion, "aux");
  const mainFunc = authorsExtractFunction(mainCompletion, entry);
  const report: AuthorsCodingReport = {
    aux: authorsDefined(auxCompletion, "aux", "Aux function"),
    main: authorsDefined(mainCompletion, entry, `Main function (${entry})`),
    auxFunc,
    mainFunc,
    combined: authorsCombine(auxFunc, mainFunc, authorsPromptImports(problem.prompt)),
    lines: authorsTestLines(problem.test, entry),
    verdict: null,
  };
  if (!report.main.ok) return report;
  report.verdict = await runVerdictTests(report.combined, report.lines, {
    ...options,
    mode: "authors",
  });
  return report;
}

/**
 * The authors' leveled reward of a report, summed in their order.
 *
 * @example
 * ```ts
 * import { authorsCodingLevels, evaluateCodingAuthors } from "./coding_reward_authors.ts";
 * const problem = {
 *   task_id: "demo/1", prompt: "def inc(x):\n", test:
 *     "def check(candidate):\n    assert candidate(1) == 2\n    assert candidate(2) == 4\n",
 *   entry_point: "inc",
 * };
 * const r = authorsCodingLevels(await evaluateCodingAuthors("", "def inc(x):\n    return x + 1", problem));
 * // r.total === 1.6 (0.6 + 0.5 + 1/2)
 * ```
 */
export function authorsCodingLevels(report: AuthorsCodingReport): RewardBreakdown {
  const levels: Record<string, number> = {
    aux_defined: 0,
    main_defined: 0,
    syntax: 0,
    tests: 0,
    aux_used: 0,
    not_wrapper: 0,
    aux_ignored: 0,
  };
  let total = 0;
  const add = (level: string, v: number) => {
    levels[level] = v;
    total += v;
  };
  if (report.aux.ok) add("aux_defined", 0.4);
  if (!report.main.ok) return { total, levels };
  add("main_defined", 0.6);
  const v = report.verdict;
  if (!v || !v.syntax.ok) return { total, levels };
  add("syntax", 0.5);
  if (report.lines.length === 0) return { total, levels };
  const passed = v.loadError ? 0 : v.passed;
  if (!v.loadError) add("tests", (passed / v.total) * 1.0);
  if (passed > 0 && report.auxFunc && authorsUsesAux(report.mainFunc)) {
    add("aux_used", 0.5);
    if (!authorsIsWrapper(report.mainFunc)) add("not_wrapper", 1.0);
    if (authorsIgnoresAux(report.mainFunc).length > 0) add("aux_ignored", -0.5);
  }
  return { total, levels };
}

/** The authors' coding reward of one joint action (see the module table). */
export async function codingRewardAuthors(
  auxCompletion: string,
  mainCompletion: string,
  problem: HumanEvalProblem,
  options: AuthorsCodingOptions = {},
): Promise<RewardBreakdown> {
  return authorsCodingLevels(
    await evaluateCodingAuthors(auxCompletion, mainCompletion, problem, options),
  );
}
