// Step timing: reward calls are timed as wall-clock union (concurrent calls count once), and a
// step's seconds split into sampling / reward / update / overhead that add up to the total.
import assert from "node:assert/strict";
import { timeRewards } from "../lib/rl/reward_clock.ts";
import { stepSeconds } from "../lib/rl/step_record.ts";
import { magrpoStep } from "../lib/rl/step.ts";
import { createStepContext } from "../lib/rl/step_context.ts";
import { initRunState } from "../lib/rl/run_state.ts";
import { validateConfig } from "../lib/rl/config.ts";

Deno.test("timeRewards: overlapping calls count once, sync calls and throws are timed", async () => {
  let t = 0;
  const gates: (() => void)[] = [];
  const env = {
    reward: (_c: string[], slow: boolean) => {
      if (!slow) {
        t += 2; // a synchronous call taking 2 ms
        return { total: 1 };
      }
      return new Promise<{ total: number }>((res) => gates.push(() => res({ total: 0 })));
    },
    agentReward: () => {
      t += 1;
      throw new Error("boom");
    },
  };
  const { env: timed, clock } = timeRewards(env, () => t);
  assert.deepEqual(timed.reward([], false), { total: 1 }); // sync stays sync: 2 ms
  t = 10;
  const a = timed.reward([], true), b = timed.reward([], true); // both pending from t = 10
  t = 15;
  gates[0]();
  await a;
  t = 30;
  assert.ok(Math.abs(clock.seconds() - 0.022) < 1e-12); // 2 + (30 − 10), b still pending
  gates[1]();
  await b;
  t = 100; // idle time does not count
  assert.throws(() => timed.agentReward(), /boom/); // 1 ms, ended by the throw
  assert.ok(Math.abs(clock.seconds() - 0.023) < 1e-12);
});

Deno.test("stepSeconds: the four parts add up to the total", () => {
  const s = stepSeconds({ start: 1000, sampled: 4000, updated: 5500, end: 6000, reward: 0.5 });
  assert.deepEqual(s, { total: 5, sampling: 2.5, reward: 0.5, update: 1.5, overhead: 0.5 });
});

Deno.test("a step's record logs sampling, reward, update and overhead seconds", async () => {
  const ctx = await createStepContext(validateConfig({ groupSize: 2 }, "inline"));
  const { record } = await magrpoStep(initRunState(ctx), ctx);
  const s = record.seconds as Record<string, number>;
  assert.deepEqual(Object.keys(s).sort(), ["overhead", "reward", "sampling", "total", "update"]);
  for (const v of Object.values(s)) assert.ok(Number.isFinite(v));
  assert.ok(s.sampling > 0 && s.update > 0 && s.reward >= 0 && s.overhead >= 0);
  assert.ok(Math.abs(s.sampling + s.reward + s.update + s.overhead - s.total) < 1e-9);
});
