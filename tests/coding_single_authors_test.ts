// The coding environment's single-agent hooks, evaluation metrics and config pass-through,
// against values the MAGRPO authors' own code produced: their single-agent prompt
// (`complete_function_formatter`, train_grpo.py), their one-agent level feedback and their
// logger metrics (tests/authors/coding_single.json, made by tools/authors_coding_single.py;
// problems and rewards from tests/authors/coding_corpus.json).
import assert from "node:assert/strict";
import { codingEnv } from "../lib/envs/coding.ts";
import type { HumanEvalProblem } from "../lib/envs/datasets.ts";
import {
  authorsSingleFeedbackPrompt,
  authorsSinglePrompt,
} from "../lib/envs/coding_feedback_authors.ts";
import { authorsCodingTurnMetrics } from "../lib/envs/coding_metrics_authors.ts";
import { codingEnvOptions, loadEnvironment } from "../lib/envs/registry.ts";
import { validateConfig } from "../lib/rl/config.ts";
import { plannerRunOptions } from "../lib/sandbox/verdict.ts";
import { unitRunOptions } from "../lib/sandbox/verdict_run.ts";

const read = async (name: string) =>
  JSON.parse(await Deno.readTextFile(new URL(`./authors/${name}`, import.meta.url)));
const CORPUS = await read("coding_corpus.json") as {
  problems: Record<string, HumanEvalProblem>;
  rewardCases: { id: string; aux: string; main: string; problem: string; reward: number }[];
};
const SINGLE = await read("coding_single.json") as {
  singlePromptCases: { problem: string; single: string }[];
  singleFeedbackCases: {
    id: string;
    problem: string;
    main: string;
    history: { prompts: string[]; responses: string[] };
    prompt: string;
  }[];
  loggerCases: {
    id: string;
    problem: string;
    turns: [string, string][];
    metrics: Record<string, number>[];
  }[];
};
const P = CORPUS.problems;
const rewardCase = (id: string) => CORPUS.rewardCases.find((c) => c.id === id)!;

Deno.test("coding single agent: the authors' complete_function_formatter, string for string", () => {
  assert.ok(SINGLE.singlePromptCases.length >= 8);
  const env = codingEnv([]);
  for (const c of SINGLE.singlePromptCases) {
    assert.equal(authorsSinglePrompt(P[c.problem]), c.single, c.problem);
    assert.equal(env.singlePrompt!(P[c.problem], "|||"), c.single, c.problem);
  }
  assert.deepEqual(env.singleSplit!("def f(x):\n    return x"), ["", "def f(x):\n    return x"]);
});

Deno.test("coding single agent: the authors' one-agent level feedback, string for string", async () => {
  assert.ok(SINGLE.singleFeedbackCases.length >= 10);
  const env = codingEnv([]);
  for (const c of SINGLE.singleFeedbackCases) {
    const problem = P[c.problem];
    assert.equal(await authorsSingleFeedbackPrompt(problem, c.main, c.history), c.prompt, c.id);
    assert.equal(await env.singleTransition!(problem, c.main, c.history), c.prompt, c.id);
  }
});

Deno.test("coding eval metrics: the authors' logger metrics per turn, plus passed", async () => {
  assert.ok(SINGLE.loggerCases.length >= 15);
  const env = codingEnv([]);
  for (const c of SINGLE.loggerCases) {
    const problem = P[c.problem];
    const want = c.metrics.map((m) => ({
      ...m,
      passed: m.total_tests > 0 && m.passed_tests === m.total_tests ? 1 : 0,
    }));
    assert.deepEqual(await authorsCodingTurnMetrics(problem, c.turns), want, c.id);
    if (c.id === "two/turns") assert.deepEqual(await env.evalMetrics!(problem, c.turns), want);
  }
});

Deno.test("config: env.rewardVariant/feedback/prompts reach codingEnv; strict changes the reward", async () => {
  const c = rewardCase("add/return-paren"); // main `return(a + b)`: their regex finds no return
  assert.equal(c.reward, 0.4);
  const load = (env: Record<string, unknown>) =>
    loadEnvironment(validateConfig({ env: { name: "coding", ...env } }, "inline").env);
  const authors = await load({});
  const strict = await load({ rewardVariant: "strict", feedback: "full", prompts: "ours" });
  const completions = [c.aux, c.main];
  assert.equal((await authors.reward(completions, P[c.problem])).total, c.reward);
  // ours: aux 0.4 + main 0.6 + syntax 0.5 + 4/4 tests (main does not call aux)
  assert.equal((await strict.reward(completions, P[c.problem])).total, 2.5);
  const row = authors.rows[0];
  assert.notEqual(strict.formatters[0](row), authors.formatters[0](row));
  const [, mainNext] = await strict.transition!(row, ["", ""], []);
  assert.match(mainNext, /^Another attempt\. You are agent 2/);
  // ours for one agent (feedback "full"): every assert run, no aux lines
  const single = await strict.singleTransition!(
    P["edge/add"],
    "def add(a, b):\n    return a - b\n",
    {
      prompts: [],
      responses: [],
    },
  );
  assert.match(single, /- Tests: 1\/4 passed/);
  assert.doesNotMatch(single, /aux/);
  await assert.rejects(
    () => loadEnvironment({ name: "tldr", rewardVariant: "strict" }),
    /env\.rewardVariant applies to the coding environment only/,
  );
});

Deno.test("config: env.sandboxUnsafe (default false) reaches runPython's options", () => {
  assert.equal(validateConfig({}, "inline").env.sandboxUnsafe, false);
  const cfg = validateConfig({ env: { name: "coding", sandboxUnsafe: true } }, "inline");
  const options = codingEnvOptions(cfg.env);
  assert.deepEqual(options, { unsafe: true });
  assert.deepEqual(codingEnvOptions({ name: "coding" }), {});
  // codingEnv's sandbox options go to runVerdictTests / runChecks, whose limits build these
  const limits = { testTimeoutMs: 10_000, maxTimeouts: 3, ...options };
  assert.equal(unitRunOptions(4, limits).unsafe, true);
  assert.equal(plannerRunOptions(options).unsafe, true);
  assert.equal(unitRunOptions(4, { testTimeoutMs: 10_000, maxTimeouts: 3 }).unsafe, false);
  assert.equal(plannerRunOptions({}).unsafe, false);
});
