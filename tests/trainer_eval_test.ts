// Evaluation logs, per turn, the mean immediate (shaped) reward and the mean return with γ.
import assert from "node:assert/strict";
import type { Environment } from "../lib/envs/types.ts";
import { validateConfig } from "../lib/rl/config.ts";
import { evaluate } from "../lib/rl/trainer.ts";
import { randomPolicy, tinyLlamaConfig } from "./fixtures.ts";

Deno.test("evaluate: per-turn rewards and returns R_t = r_t + γ·R_{t+1}, known values", async () => {
  // Greedy evaluation calls the reward once per row and turn, in order: row 0 turn 0, row 0
  // turn 1, row 1 turn 0, row 1 turn 1; these calls return 1, 0.5, 0.2, 0.6.
  const raw = [1, 0.5, 0.2, 0.6];
  let call = 0;
  const env: Environment<string> = {
    name: "scripted",
    numAgents: 2,
    rows: ["r0", "r1"],
    formatters: [(e) => `A ${e}:`, (e) => `B ${e}:`],
    reward: () => ({ total: raw[call++], levels: { x: 1 } }),
    transition: (_e, cs, hs) => hs.map((h, i) => `${h.prompts.at(-1)} ${cs[i]} then:`),
  };
  const cfg = validateConfig({
    turns: 2,
    gamma: 0.9,
    rewardScale: 2, // shaped rewards 2, 1, 0.4, 1.2
    sampling: { maxNewTokens: 3 },
  }, "test");
  const policies = [
    randomPolicy(tinyLlamaConfig(), 1, 0.3),
    randomPolicy(tinyLlamaConfig(), 2, 0.3),
  ];
  const rec = await evaluate(cfg, env, env.rows, policies, 7) as unknown as {
    type: string;
    step: number;
    reward: { mean: number; levels: Record<string, number> };
    turnRewards: number[];
    turnReturns: number[];
  };
  assert.equal(call, 4);
  assert.deepEqual([rec.type, rec.step], ["eval", 7]);
  const near = (a: number[], b: number[]) =>
    a.length === b.length && a.every((x, i) => Math.abs(x - b[i]) < 1e-12);
  // turn rewards: mean over rows of the shaped rewards: [(2 + 0.4)/2, (1 + 1.2)/2]
  assert.ok(near(rec.turnRewards, [1.2, 1.1]), JSON.stringify(rec.turnRewards));
  // returns: row 0 [2 + 0.9·1, 1], row 1 [0.4 + 0.9·1.2, 1.2] → means [2.19, 1.1]
  assert.ok(near(rec.turnReturns, [2.19, 1.1]), JSON.stringify(rec.turnReturns));
  // the logged reward is the raw joint reward (before shaping) and its levels
  assert.ok(Math.abs(rec.reward.mean - 0.575) < 1e-12);
  assert.deepEqual(rec.reward.levels, { x: 1 });
});
