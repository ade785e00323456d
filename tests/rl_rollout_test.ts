// Rollouts, collectors and the per-agent update on tiny random policies (structure and numbers).
import assert from "node:assert/strict";
import type { Policy } from "../lib/policy/policy.ts";
import { scoreCompletions } from "../lib/policy/score.ts";
import type { Environment } from "../lib/envs/types.ts";
import { toyEnv } from "../lib/envs/toy.ts";
import { rolloutNode, rolloutTree } from "../lib/rl/rollout.ts";
import {
  collectIndependent,
  collectMagrpo,
  type CollectSettings,
  collectSingle,
  splitParts,
} from "../lib/rl/collect.ts";
import { updateAgent } from "../lib/rl/update.ts";
import { initTrainState } from "../lib/engine/optim_step.ts";
import { makeRng } from "../lib/util/rng.ts";
import { UserError } from "../lib/util/errors.ts";
import { randomPolicy, tinyLlamaConfig } from "./fixtures.ts";

const CFG = tinyLlamaConfig();
const agent = (seed: number): Policy => randomPolicy(CFG, seed, 0.3);
const SETTINGS: CollectSettings = {
  groupSize: 3,
  jointMode: "aligned",
  crossAggregate: "mean",
  turns: 1,
  gamma: 0.9,
  earlyStopThreshold: null,
  advantage: { baseline: "mean", normalize: false },
  sampling: { maxNewTokens: 6, temperature: 1 },
  shape: (r) => r,
};
const sum = (xs: number[]) => xs.reduce((a, b) => a + b, 0);

/** A two-agent env whose reward is the total length of the texts / 10 and which has a transition. */
const lengthEnv: Environment<string> = {
  name: "length",
  numAgents: 2,
  rows: ["x"],
  formatters: [(e) => `A ${e}:`, (e) => `B ${e}:`],
  reward: (cs) => ({
    total: (cs[0].length + cs[1].length) / 10,
    levels: { a: cs[0].length, b: cs[1].length },
  }),
  transition: (_e, cs, hs) => hs.map((h, i) => `${h.prompts.at(-1)} ${cs[i]} again:`),
};

Deno.test("rolloutNode: each agent samples G of its own prompt; aligned joint actions and rewards", async () => {
  const env = toyEnv();
  const ex = env.rows[0];
  const prompts = env.formatters.map((f) => f(ex));
  const node = await rolloutNode(env, ex, [agent(1), agent(2)], prompts, {
    groupSize: 3,
    mode: "aligned",
    rng: makeRng(1),
    sampling: { maxNewTokens: 5 },
  });
  assert.equal(node.completions.length, 2);
  assert.ok(node.completions.every((g) => g.length === 3));
  assert.deepEqual(node.joint, [[0, 0], [1, 1], [2, 2]]);
  assert.equal(node.rewards.length, 3);
  node.joint.forEach((j, g) => {
    const expected = env.reward(
      [node.completions[0][j[0]].text, node.completions[1][j[1]].text],
      ex,
    );
    assert.deepEqual(node.breakdowns[g], expected);
  });
  // Decentralized: each agent's completions continue its own prompt only.
  assert.ok(node.completions[0].every((c) => c.prompt === 0));
});

Deno.test("collectMagrpo (aligned): one advantage per joint action, shared by both agents, mean 0", async () => {
  const env = toyEnv();
  const c = await collectMagrpo(env, env.rows[1], [agent(1), agent(2)], SETTINGS, makeRng(2));
  assert.equal(c.samples.length, 2);
  assert.equal(c.samples[0].length, 3);
  c.samples[0].forEach((s, k) => assert.equal(s.advantage, c.samples[1][k].advantage));
  assert.ok(Math.abs(sum(c.advantages)) < 1e-12);
  const r = c.tree!.rewards, m = sum(r) / 3;
  c.advantages.forEach((a, g) => assert.ok(Math.abs(a - (r[g] - m)) < 1e-12));
});

Deno.test("collectMagrpo (cross): G^N joint actions, per-agent advantages from the returns it takes part in", async () => {
  const c = await collectMagrpo(lengthEnv, "x", [agent(1), agent(2)], {
    ...SETTINGS,
    jointMode: "cross",
  }, makeRng(3));
  assert.equal(c.tree!.joint.length, 9);
  const r = c.tree!.rewards;
  // agent 0's completion k takes part in joint actions 3k, 3k+1, 3k+2 (agent 0 slowest)
  const ret0 = [0, 1, 2].map((k) => (r[3 * k] + r[3 * k + 1] + r[3 * k + 2]) / 3);
  const m0 = sum(ret0) / 3;
  c.samples[0].forEach((s, k) => assert.ok(Math.abs(s.advantage - (ret0[k] - m0)) < 1e-12));
});

Deno.test("rolloutTree: two turns give G² leaves and returns R = r + γ·mean(child returns)", async () => {
  const c = await collectMagrpo(lengthEnv, "x", [agent(4), agent(5)], {
    ...SETTINGS,
    groupSize: 2,
    turns: 2,
  }, makeRng(4));
  const root = c.tree!;
  assert.equal(root.children!.length, 2);
  const leaves = root.children!.flatMap((ch) => ch!.joint);
  assert.equal(leaves.length, 4);
  root.children!.forEach((ch, g) => {
    assert.ok(ch!.prompts[0].startsWith("A x:") && ch!.prompts[0].endsWith("again:"));
    assert.deepEqual(ch!.returns, ch!.rewards);
    const want = root.rewards[g] + 0.9 * (sum(ch!.rewards) / 2);
    assert.ok(Math.abs(root.returns![g] - want) < 1e-12);
  });
  assert.equal(c.turnRewards.length, 2);
  assert.equal(c.samples[0].length, 2 + 4); // root group + both children's groups
  // Early termination: a threshold below every reward stops expansion.
  const stopped = await rolloutTree(lengthEnv, "x", [agent(4), agent(5)], {
    turns: 2,
    groupSize: 2,
    mode: "aligned",
    rng: makeRng(4),
    earlyStopThreshold: -1,
    sampling: { maxNewTokens: 6 },
  });
  assert.equal(stopped.children, undefined);
});

Deno.test("baselines: independent uses each agent's own reward; single-agent splits one text into parts", async () => {
  const env = toyEnv();
  const ex = env.rows[2];
  const ind = await collectIndependent(env, ex, [agent(1), agent(2)], SETTINGS, makeRng(5));
  for (let i = 0; i < 2; i++) {
    const own = ind.samples[i].map((s) => env.agentReward!(i, s.completion.text, ex) as number);
    const m = sum(own) / own.length;
    ind.samples[i].forEach((s, k) => assert.ok(Math.abs(s.advantage - (own[k] - m)) < 1e-12));
  }
  assert.deepEqual(splitParts("short one ||| a longer one ||| extra", 2), [
    "short one",
    "a longer one ||| extra",
  ]);
  assert.deepEqual(splitParts("no separator", 2), ["no separator", ""]);
  const single = await collectSingle(env, ex, agent(3), SETTINGS, makeRng(6));
  assert.equal(single.samples.length, 1);
  assert.equal(single.samples[0].length, 3);
  assert.ok(single.samples[0][0].completion.promptIds.length > 20); // the combined prompt
});

Deno.test("updateAgent: a positive advantage raises that completion's log-prob, a negative one lowers it", async () => {
  const env = toyEnv();
  const p = agent(7);
  const c = await collectMagrpo(
    env,
    env.rows[0],
    [p, agent(8)],
    { ...SETTINGS, groupSize: 2 },
    makeRng(7),
  );
  const samples = c.samples[0].map((s, k) => ({ ...s, advantage: k === 0 ? 1 : -1 }));
  const seqs = samples.map((s) => s.completion);
  const before = await scoreCompletions(p, seqs);
  const r = await updateAgent(p, initTrainState(p.params), samples, { lr: 1e-2 });
  const after = await scoreCompletions({ ...p, params: r.state.params }, seqs);
  assert.ok(sum(after[0]) > sum(before[0]), `${sum(before[0])} → ${sum(after[0])}`);
  assert.ok(sum(after[1]) < sum(before[1]), `${sum(before[1])} → ${sum(after[1])}`);
  assert.equal(r.metrics.losses.length, 1);
  assert.ok(Number.isFinite(r.metrics.gradNorms[0]) && r.metrics.gradNorms[0] > 0);
});

Deno.test("a throwing or malformed transition / agentReward is one UserError naming it and the example", async () => {
  const tree = (transition: Environment<string>["transition"]) =>
    rolloutTree({ ...lengthEnv, transition }, "x", [agent(1), agent(2)], {
      turns: 2,
      groupSize: 1,
      mode: "aligned",
      rng: makeRng(1),
      sampling: { maxNewTokens: 2 },
    });
  await assert.rejects(
    () =>
      tree(() => {
        throw new Error("no feedback");
      }),
    (e: Error) =>
      e instanceof UserError &&
      e.message === `transition function of environment 'length' threw: no feedback on example "x"`,
  );
  await assert.rejects(
    () => tree(() => ["only one"]),
    (e: Error) =>
      e instanceof UserError &&
      e.message === "transition function of environment 'length' must return one prompt " +
          'string per agent (2), got 1 value(s) (string) on example "x"',
  );
  const env = toyEnv();
  const ex = env.rows[0];
  const broken = {
    ...env,
    agentReward: function ownPart(i: number) {
      if (i === 1) throw new Error("bad part");
      return 0;
    },
  };
  await assert.rejects(
    () => collectIndependent(broken, ex, [agent(1), agent(2)], SETTINGS, makeRng(5)),
    (e: Error) =>
      e instanceof UserError &&
      e.message.startsWith('agent reward function "ownPart" threw: bad part on example ') &&
      e.message.endsWith(" for agent 1, completion 0"),
  );
});
