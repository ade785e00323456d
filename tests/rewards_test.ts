// evaluateJointRewards (sync, async, concurrency, failures), reward processors, stats.
import assert from "node:assert/strict";
import {
  applyProcessor,
  evaluateAgentRewards,
  evaluateJointRewards,
  rewardProcessor,
  rewardStats,
} from "../lib/rl/rewards.ts";
import { UserError } from "../lib/util/errors.ts";
import type { RewardBreakdown } from "../lib/envs/types.ts";

const JOINT = [["a", "bb"], ["ccc", "d"], ["", ""], ["ee", "ff"]];
const example = { task_id: "HumanEval/3", prompt: "def f(): ..." };

Deno.test("evaluateJointRewards: sync numbers and breakdowns, in order", async () => {
  const totalLength = (c: string[]) => c[0].length + c[1].length;
  assert.deepEqual(await evaluateJointRewards(totalLength, JOINT, example), [
    { total: 3, levels: {} },
    { total: 4, levels: {} },
    { total: 0, levels: {} },
    { total: 4, levels: {} },
  ]);
  const split = (c: string[]) => ({
    total: c[0].length + 2 * c[1].length,
    levels: { first: c[0].length, second: c[1].length },
  });
  const rs = await evaluateJointRewards(split, JOINT, example);
  assert.deepEqual(rs[1], { total: 5, levels: { first: 3, second: 1 } });
  assert.deepEqual(await evaluateJointRewards(split, [], example), []);
});

Deno.test("evaluateJointRewards: async, bounded concurrency, order kept", async () => {
  for (const concurrency of [1, 2, 8]) {
    let inFlight = 0, maxInFlight = 0;
    const slowReward = async (c: string[]) => {
      inFlight++;
      maxInFlight = Math.max(maxInFlight, inFlight);
      // later joint actions finish first
      await new Promise((r) => setTimeout(r, 2 * (10 - c[0].length)));
      inFlight--;
      return c[0].length;
    };
    const joint = Array.from({ length: 6 }, (_, j) => ["x".repeat(j), ""]);
    const rs = await evaluateJointRewards(slowReward, joint, example, {
      concurrency,
    });
    assert.deepEqual(rs.map((r) => r.total), [0, 1, 2, 3, 4, 5]);
    assert.equal(maxInFlight, Math.min(concurrency, 6));
  }
  await assert.rejects(
    () => evaluateJointRewards(() => 1, JOINT, example, { concurrency: 0 }),
    /concurrency must be a positive integer, got 0/,
  );
});

Deno.test("evaluateJointRewards: a throwing reward is ONE UserError with everything", async () => {
  let calls = 0;
  function brokenReward(c: string[]): number {
    calls++;
    if (c[0] === "") throw new Error("division by zero in scorer");
    return 1;
  }
  const err = await evaluateJointRewards(brokenReward, JOINT, example, {
    concurrency: 1,
  }).then(() => null, (e) => e);
  assert.ok(err instanceof UserError);
  assert.equal(
    err.message,
    'reward function "brokenReward" threw: division by zero in scorer on example ' +
      "task_id=HumanEval/3 at joint action 2",
  );
  assert.equal((err.cause as Error).message, "division by zero in scorer");
  assert.equal(calls, 3); // stopped after the failure: joint action 3 never ran
  // async rejection, example named by id
  const asyncBroken = async (): Promise<number> => {
    await Promise.resolve();
    throw new Error("sandbox timeout");
  };
  await assert.rejects(
    () => evaluateJointRewards(asyncBroken, JOINT, { id: 42 }),
    /"asyncBroken" threw: sandbox timeout on example id=42 at joint action 0/,
  );
});

Deno.test("evaluateJointRewards: NaN, undefined, Infinity never pass silently", async () => {
  const long = { text: "x".repeat(500) };
  const err = await evaluateJointRewards(
    (c) => (c[0] === "ccc" ? NaN : 1),
    JOINT,
    long,
  )
    .then(() => null, (e) => e);
  assert.ok(err instanceof UserError);
  assert.match(
    err.message,
    /^anonymous reward function returned NaN \(expected a finite number or \{total, levels\}\)/,
  );
  assert.match(err.message, /at joint action 1$/);
  // example excerpt: 197 chars of JSON + "..."
  const excerpt = JSON.stringify(long).slice(0, 197) + "...";
  assert.ok(err.message.includes(`on example ${excerpt} at`));
  assert.ok(!err.message.includes("x".repeat(200)));

  const returnsNothing = (() => {}) as unknown as () => number;
  await assert.rejects(
    () => evaluateJointRewards(returnsNothing, JOINT, example),
    /returned undefined/,
  );
  await assert.rejects(
    () =>
      evaluateJointRewards(
        () => ({ total: Infinity, levels: {} }),
        JOINT,
        example,
      ),
    /returned total Infinity/,
  );
  await assert.rejects(
    () =>
      evaluateJointRewards(
        () => ({ total: 1, levels: { style: NaN } }),
        JOINT,
        example,
      ),
    /returned level "style" = NaN/,
  );
});

Deno.test("rewardProcessor: scale, then shift, then clamp", () => {
  const p = rewardProcessor({
    scale: 2,
    shift: -1,
    clampMin: -0.5,
    clampMax: 2,
  });
  // 0 → −1 → −0.5; 1 → 1; 5 → 9 → 2; −3 → −7 → −0.5 (shift before scale would give −2 for 0)
  assert.deepEqual([0, 1, 5, -3].map(p), [-0.5, 1, 2, -0.5]);
  assert.equal(rewardProcessor()(0.37), 0.37);
  assert.throws(() => rewardProcessor({ clampMin: 1, clampMax: 0 }), UserError);
  assert.throws(
    () => rewardProcessor({ scale: NaN }),
    /scale must be a finite number/,
  );
});

Deno.test("applyProcessor: totals processed, levels raw, input untouched", () => {
  const input: RewardBreakdown[] = [{ total: 0.5, levels: { a: 0.5 } }, {
    total: -2,
    levels: {},
  }];
  const out = applyProcessor(
    input,
    rewardProcessor({ scale: 10, clampMin: 0 }),
  );
  assert.deepEqual(out, [{ total: 5, levels: { a: 0.5 } }, {
    total: 0,
    levels: {},
  }]);
  assert.equal(input[0].total, 0.5);
});

Deno.test("rewardStats: mean, population std, min, max, level means", () => {
  const s = rewardStats([
    { total: 1, levels: { a: 1, b: 2 } },
    { total: 2, levels: { a: 0 } },
    { total: 3, levels: {} },
    { total: 6, levels: { a: 0.5 } },
  ]);
  // mean 3; Σ(t − 3)² = 14; population var 14/4 = 3.5
  assert.equal(s.mean, 3);
  assert.ok(Math.abs(s.std - Math.sqrt(3.5)) < 1e-12);
  assert.equal(s.min, 1);
  assert.equal(s.max, 6);
  assert.deepEqual(s.levels, { a: 0.5, b: 2 }); // a: (1 + 0 + 0.5)/3, b: only one
  assert.throws(() => rewardStats([]), /at least one reward/);
});

Deno.test("evaluateAgentRewards: one number per text; a throw or a non-number names the function, agent and example", async () => {
  const own = (i: number, t: string) => i * 10 + t.length;
  assert.deepEqual(await evaluateAgentRewards(own, 2, ["ab", "", "xyz"], { id: 1 }), [22, 20, 23]);
  await assert.rejects(
    () =>
      evaluateAgentRewards(
        function partScore(_i: number, t: string) {
          if (t === "bad") throw new Error("cannot parse");
          return 1;
        },
        0,
        ["ok", "bad"],
        { task_id: "HumanEval/3" },
      ),
    (e: Error) =>
      e instanceof UserError &&
      e.message === 'agent reward function "partScore" threw: cannot parse on example ' +
          "task_id=HumanEval/3 for agent 0, completion 1",
  );
  await assert.rejects(
    () => evaluateAgentRewards(() => NaN, 1, ["a"], { id: 9 }),
    (e: Error) =>
      e instanceof UserError &&
      e.message === "anonymous agent reward function returned NaN (expected a finite number) " +
          "on example id=9 for agent 1, completion 0",
  );
});
