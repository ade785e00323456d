// Guard on rewards that never come back: with a timeout (the trainer's rewardTimeoutMs), a
// reward promise that never settles fails the step with the function, the example and the
// joint action (or agent and completion) named; settled rewards and sync ones are unchanged
// and no timer is left behind (Deno's test sanitizers check that).
import assert from "node:assert/strict";
import {
  evaluateAgentRewards,
  evaluateJointRewards,
  RewardTimeoutError,
  withRewardTimeout,
  withRewardTimeouts,
} from "../lib/rl/rewards.ts";
import { rolloutNode } from "../lib/rl/rollout.ts";
import { toyEnv, toyRows } from "../lib/envs/toy.ts";
import { makeRng } from "../lib/util/rng.ts";
import { UserError } from "../lib/util/errors.ts";
import { randomPolicy, tinyLlamaConfig } from "./fixtures.ts";

function userError(message: string) {
  return (e: Error) => {
    assert.ok(e instanceof UserError, `expected a UserError, got ${e?.constructor?.name}: ${e}`);
    assert.equal(e.message, message);
    assert.ok(e.cause instanceof RewardTimeoutError);
    return true;
  };
}

Deno.test("a joint reward promise that never settles fails after the timeout, naming the example", async () => {
  const never = withRewardTimeout(function slowJudge(_c: string[], _e: unknown) {
    return new Promise<number>(() => {});
  }, 30);
  assert.equal(never.name, "slowJudge");
  const t0 = performance.now();
  await assert.rejects(
    () => evaluateJointRewards(never, [["a", "b"], ["c", "d"]], { id: 7 }),
    userError(
      'reward function "slowJudge" did not settle within 30 ms (rewardTimeoutMs) on example ' +
        "id=7 at joint action 0",
    ),
  );
  assert.ok(performance.now() - t0 < 5000);
});

Deno.test("a per-agent reward that never settles names the agent, example and completion", async () => {
  const never = withRewardTimeout(
    function ownScore(_i: number, _t: string, _e: unknown) {
      return new Promise<number>(() => {});
    },
    30,
  );
  await assert.rejects(
    () => evaluateAgentRewards(never, 1, ["x"], { task_id: "demo/1" }),
    userError(
      'agent reward function "ownScore" did not settle within 30 ms (rewardTimeoutMs) on ' +
        "example task_id=demo/1 for agent 1, completion 0",
    ),
  );
});

Deno.test("rewards that settle in time, and sync rewards, are unchanged", async () => {
  const quick = withRewardTimeout(
    (c: string[]) => new Promise<number>((r) => setTimeout(() => r(c.join("").length), 5)),
    1000,
  );
  const rs = await evaluateJointRewards(quick, [["ab", "c"]], {});
  assert.deepEqual(rs, [{ total: 3, levels: {} }]);
  const sync = withRewardTimeout((c: string[]) => c.length, 1000);
  assert.equal(sync(["a", "b"]), 2);
  const failing = withRewardTimeout(() => Promise.reject(new Error("boom")), 1000);
  await assert.rejects(() => failing(), /boom/);
  assert.throws(() => withRewardTimeout(() => 1, 0), /rewardTimeoutMs must be a positive number/);
});

Deno.test("withRewardTimeouts: a rollout with a hanging environment reward fails its step", async () => {
  const env = toyEnv(toyRows().slice(0, 1));
  env.reward = function hangingReward() {
    return new Promise(() => {});
  };
  const timed = withRewardTimeouts(env, 40);
  assert.equal(timed.rows, env.rows);
  assert.equal(
    timed.agentReward!(0, "a quiet girl", env.rows[0]),
    env.agentReward!(0, "a quiet girl", env.rows[0]),
  );
  const p = randomPolicy(tinyLlamaConfig(), 1);
  const row = timed.rows[0];
  await assert.rejects(
    () =>
      rolloutNode(timed, row, [p, p], timed.formatters.map((f) => f(row)), {
        groupSize: 2,
        mode: "aligned",
        rng: makeRng(0),
        sampling: { maxNewTokens: 4 },
      }),
    userError(
      `reward function "hangingReward" did not settle within 40 ms (rewardTimeoutMs) on example ` +
        `${JSON.stringify(row)} at joint action 0`,
    ),
  );
});
