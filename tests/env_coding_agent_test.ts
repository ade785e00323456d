// Each coding agent's own reward (independent learners): aux scored alone (defined with a
// return, parses), main scored alone (defined with a return, parses, tests passed without aux).
import assert from "node:assert/strict";
import { codingAgentLevels, codingAgentReward, codingEnv } from "../lib/envs/coding.ts";
import { SUM_SQ } from "./fixtures.ts";
import type { HumanEvalProblem } from "../lib/envs/datasets.ts";
import { UserError } from "../lib/util/errors.ts";

const aux = (text: string) => codingAgentLevels(0, text, SUM_SQ);
const main = (text: string) => codingAgentLevels(1, text, SUM_SQ, { testTimeoutMs: 2000 });

Deno.test("coding agentReward, aux agent: 0.4 defined with a return + 0.5 parses alone", async () => {
  assert.deepEqual(await aux("def aux(x):\n    return x * x"), {
    total: 0.9,
    levels: { aux_defined: 0.4, aux_parses: 0.5 },
  });
  // Its own imports come along; fenced code is extracted.
  const fenced = "Here:\n```python\nimport math\n\ndef aux(x):\n    return math.sqrt(x)\n```";
  assert.equal((await aux(fenced)).total, 0.9);
  // Parsing never runs the code: a body that would shell out still just parses.
  assert.equal(
    (await aux("def aux(x):\n    return __import__('os').system('touch /tmp/pwned')")).total,
    0.9,
  );
  assert.deepEqual((await aux("def aux(x):\n    print(x)")).levels, {
    aux_defined: 0,
    aux_parses: 0.5,
  });
  assert.deepEqual((await aux("def aux(x):\n    return x *")).levels, {
    aux_defined: 0.4,
    aux_parses: 0,
  });
  assert.equal((await aux("")).total, 0);
  assert.equal((await aux("def helper(x):\n    return x")).total, 0); // not named aux
});

Deno.test("coding agentReward, main agent: 0.6 + 0.5 + tests passed without aux", async () => {
  // Correct alone: 0.6 + 0.5 + 4/4.
  assert.deepEqual(await main("def sum_sq(nums):\n    return sum(x * x for x in nums)"), {
    total: 2.1,
    levels: { main_defined: 0.6, syntax: 0.5, tests: 1 },
  });
  // (Σx)²: [1,2] → 9 ≠ 5, [] → 0 ✓, [3] → 9 ✓, [-1,1] → 0 ≠ 2: 0.6 + 0.5 + 2/4 = 1.6.
  assert.equal((await main("def sum_sq(nums):\n    return sum(nums) ** 2")).total, 1.6);
  // Calls aux, which the main agent alone does not have: NameError on every non-empty list,
  // only [] → 0 passes: 0.6 + 0.5 + 1/4 = 1.35.
  const loop =
    "def sum_sq(nums):\n    total = 0\n    for x in nums:\n        total += aux(x)\n    return total";
  assert.equal((await main(loop)).total, 1.35);
  assert.equal((await main("def sum_sq(nums):\n    return aux(nums)")).total, 1.1);
  // No return value: stop at 0. Syntax error: 0.6 and stop.
  assert.equal((await main("def sum_sq(nums):\n    pass")).total, 0);
  assert.deepEqual(
    (await main("def sum_sq(nums):\n    return sum(x * x for x in nums")).levels,
    { main_defined: 0.6, syntax: 0, tests: 0 },
  );
  assert.equal((await main("")).total, 0);
});

Deno.test("coding agentReward through the environment, and bad input", async () => {
  const env = codingEnv([SUM_SQ], { testTimeoutMs: 2000 });
  assert.equal(await env.agentReward!(0, "def aux(x):\n    return x * x", SUM_SQ), 0.9);
  assert.equal(
    await env.agentReward!(1, "def sum_sq(nums):\n    return sum(nums) ** 2", SUM_SQ),
    1.6,
  );
  await assert.rejects(() => codingAgentReward(2, "x", SUM_SQ), {
    message: "coding agentReward: agent must be 0 (aux) or 1 (entry point), got 2",
  });
  await assert.rejects(
    () => codingAgentReward(0, 5 as unknown as string, SUM_SQ),
    UserError,
  );
  await assert.rejects(
    () => codingAgentReward(1, "x", {} as HumanEvalProblem),
    /problem must be a HumanEval-format object/,
  );
});
