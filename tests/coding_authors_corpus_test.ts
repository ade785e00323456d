// The coding reward, level feedback and prompts against values the MAGRPO authors' own code
// produced (tests/authors/coding_corpus.json, made by tools/authors_coding_corpus.py from a
// checkout of LLM_Collab_Code_Generation, upstream behaviour pinned). Every reward must be
// equal to theirs as a float, every feedback and prompt string equal character for character.
import assert from "node:assert/strict";
import { codingEnv, codingReward } from "../lib/envs/coding.ts";
import type { HumanEvalProblem } from "../lib/envs/datasets.ts";
import {
  authorsAuxPrompt,
  authorsFeedbackPrompts,
  authorsMainPrompt,
} from "../lib/envs/coding_feedback_authors.ts";
import { authorsSlicedTests } from "../lib/envs/coding_authors.ts";
import { loadHumanEval } from "../lib/envs/datasets.ts";

interface RewardCase {
  id: string;
  aux: string;
  main: string;
  problem: string;
  reward: number;
  ourTimeoutMs?: number;
}
interface FeedbackCase {
  id: string;
  aux: string;
  main: string;
  problem: string;
  promptHistory: string[][];
  responseHistory: string[][];
  prompts: string[];
}
const CORPUS = JSON.parse(
  await Deno.readTextFile(new URL("./authors/coding_corpus.json", import.meta.url)),
) as {
  problems: Record<string, HumanEvalProblem>;
  rewardCases: RewardCase[];
  feedbackCases: FeedbackCase[];
  promptCases: { problem: string; aux: string; main: string; sliced: string }[];
};

Deno.test("authors' coding reward: every pinned case equals their value", async () => {
  const cases = CORPUS.rewardCases;
  assert.ok(cases.length >= 300, `${cases.length} cases`);
  const canonical = cases.filter((c) => /^he\/HumanEval\/\d+\/canonical$/.test(c.id));
  assert.equal(canonical.length, 164);
  // All cases at once: the sandbox's shared pool keeps one process per core.
  const got = await Promise.all(
    cases.map((c) =>
      codingReward(c.aux, c.main, CORPUS.problems[c.problem], {
        testTimeoutMs: c.ourTimeoutMs ?? 10_000,
      })
    ),
  );
  const wrong = cases.flatMap((c, i) =>
    got[i].total === c.reward ? [] : [`${c.id}: theirs ${c.reward}, ours ${got[i].total}`]
  );
  console.log(`${cases.length} pinned cases, ${cases.length - wrong.length} match`);
  assert.deepEqual(wrong, []);
  // The probes, read from the pinned values: return(x) 0.4, an ignored `aux (x)` 3.5,
  // aux only in a comment 4.0, a prompt helper used by main 1.6, asserts in a loop 1.6.
  const theirs = (id: string) => cases.find((c) => c.id === id)!.reward;
  assert.deepEqual(
    [
      theirs("add/return-paren"),
      theirs("add/ignored-call-space"),
      theirs("add/aux-in-comment"),
      theirs("helper/uses-prompt-helper"),
      theirs("loop/right"),
    ],
    [0.4, 3.5, 4, 1.6, 1.6],
  );
  assert.equal(canonical.filter((c) => c.reward < 2.1).length, 21);
});

Deno.test("authors' level feedback and prompts: pinned strings", async () => {
  for (const c of CORPUS.feedbackCases) {
    const p = CORPUS.problems[c.problem];
    const histories = [0, 1].map((i) => ({
      prompts: c.promptHistory[i],
      responses: c.responseHistory[i],
    }));
    const got = await authorsFeedbackPrompts(p, [c.aux, c.main], histories);
    assert.equal(got[0], c.prompts[0], `${c.id}: aux prompt`);
    assert.equal(got[1], c.prompts[1], `${c.id}: main prompt`);
  }
  assert.ok(CORPUS.feedbackCases.length >= 10);
  for (const c of CORPUS.promptCases) {
    const p = CORPUS.problems[c.problem];
    assert.equal(authorsAuxPrompt(p), c.aux, `${c.problem}: aux`);
    assert.equal(authorsMainPrompt(p), c.main, `${c.problem}: main`);
    assert.equal(authorsSlicedTests(p.test, 1), c.sliced, `${c.problem}: sliced tests`);
  }
});

Deno.test("authors' feedback never shows an assert beyond the first", async () => {
  const p = CORPUS.problems["edge/add"];
  const env = codingEnv([p], { testTimeoutMs: 2000 });
  const [, main] = await env.transition!(p, ["", "def add(a, b):\n    return a - b\n"], []);
  assert.ok(main.includes("- Tests: 0/1 passed"), main);
  assert.ok(main.includes("Failed case: assert add(1, 2) == 3 -> AssertionError: "));
  for (const hidden of ["add(0, 0)", "add(-1, 1)", "add(10, 5)"]) {
    assert.ok(!main.includes(hidden), `${hidden} leaked`);
  }
  // The environment's defaults are the authors' prompts.
  assert.equal(env.formatters[0](p), authorsAuxPrompt(p));
  assert.equal(env.formatters[1](p), authorsMainPrompt(p));
});

const HUMANEVAL = new URL("../../shared/datasets/humaneval/HumanEval.jsonl.gz", import.meta.url);
const haveHumanEval = await Deno.stat(HUMANEVAL).then(() => true, () => false);

Deno.test({
  name: "pinned HumanEval problems are the published ones (when shared/ is present)",
  ignore: !haveHumanEval,
  fn: async () => {
    const rows = await loadHumanEval(decodeURIComponent(HUMANEVAL.pathname));
    for (const r of rows) {
      const pinned = CORPUS.problems[r.task_id];
      assert.deepEqual(
        [pinned.prompt, pinned.test, pinned.entry_point],
        [r.prompt, r.test, r.entry_point],
        r.task_id,
      );
    }
  },
});
