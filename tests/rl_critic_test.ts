// The centralized-critic baseline on a 2-turn tree: each advantage is r + γ·V(next) − V(current)
// with V read from the critic itself, and the critic's regression targets are the node returns.
import assert from "node:assert/strict";
import type { Environment } from "../lib/envs/types.ts";
import type { CollectSettings } from "../lib/rl/collect.ts";
import { collectCritic, createCritic, criticState, initCriticParams } from "../lib/rl/critic.ts";
import type { RolloutNode } from "../lib/rl/rollout.ts";
import { makeRng } from "../lib/util/rng.ts";
import { randomPolicy, tinyLlamaConfig } from "./fixtures.ts";

const CFG = tinyLlamaConfig();
const env: Environment<string> = {
  name: "length",
  numAgents: 2,
  rows: ["x"],
  formatters: [(e) => `A ${e}:`, (e) => `B ${e}:`],
  reward: (cs) => ({ total: (cs[0].length + cs[1].length) / 10, levels: {} }),
  transition: (_e, cs, hs) => hs.map((h, i) => `${h.prompts.at(-1)} ${cs[i]} again:`),
};

Deno.test("collectCritic: A = r + γ·V(child) − V(node) on a 2-turn tree, V from the critic", async () => {
  const policies = [randomPolicy(CFG, 4, 0.3), randomPolicy(CFG, 5, 0.3)];
  const critic = createCritic(policies[0].cfg, policies[0].tokenizer);
  const params = initCriticParams(policies[0].cfg, policies[0].params, 0);
  // a head with a visible scale, so that V differs clearly between states
  params["value_head.weight"].data = (params["value_head.weight"].data as Float32Array).map(
    (x) => x * 100,
  );
  params["value_head.bias"].data = Float32Array.from([0.5]);
  const s: CollectSettings = {
    groupSize: 2,
    jointMode: "aligned",
    crossAggregate: "mean",
    turns: 2,
    gamma: 0.9,
    earlyStopThreshold: null,
    advantage: { baseline: "mean", normalize: false },
    sampling: { maxNewTokens: 6, temperature: 1 },
    shape: (r) => r,
  };
  const c = await collectCritic(env, "x", policies, s, makeRng(9), { model: critic, params });
  const root = c.tree!;
  assert.equal(root.children!.length, 2);
  // V of each state, one text at a time (another batch shape than collectCritic's)
  const V = async (n: RolloutNode) => (await critic.predict(params, [criticState(n)]))[0];
  const vRoot = await V(root);
  const want: number[] = root.rewards.map(() => 0);
  const leaves: number[] = [];
  for (const [g, child] of root.children!.entries()) {
    const vChild = await V(child!);
    want[g] = root.rewards[g] + 0.9 * vChild - vRoot;
    leaves.push(...child!.rewards.map((r) => r - vChild)); // leaves: no next state
  }
  const all = [...want, ...leaves]; // depth-first order: root group, then each child's group
  assert.equal(c.advantages.length, 6);
  c.advantages.forEach((a, k) => assert.ok(Math.abs(a - all[k]) < 1e-5, `${k}: ${a} vs ${all[k]}`));
  // V really varies with the state and the advantages are not plain rewards
  const vs = [vRoot, await V(root.children![0]!), await V(root.children![1]!)];
  assert.ok(Math.max(...vs) - Math.min(...vs) > 1e-3, JSON.stringify(vs));
  // both agents train on the shared advantage of their joint action
  assert.deepEqual(c.samples[0].map((x) => x.advantage), c.advantages);
  assert.deepEqual(c.samples[1].map((x) => x.advantage), c.advantages);
  // regression targets: each node's mean return (root: r + γ·mean(child rewards))
  const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
  const rootReturns = root.rewards.map((r, g) => r + 0.9 * mean(root.children![g]!.rewards));
  assert.deepEqual(c.criticData!.texts, [root, ...root.children!].map((n) => criticState(n!)));
  const targets = [mean(rootReturns), ...root.children!.map((ch) => mean(ch!.rewards))];
  c.criticData!.targets.forEach((t, k) => assert.ok(Math.abs(t - targets[k]) < 1e-12));
});
