// The authors' trainer behaviour as defaults: early termination on shaped rewards, one AdamW step
// per node group (children first), G ≥ 2, and the config-time warnings (temperature 0, the
// negative advantage of a solved branch under non-negative rewards with ≥ 3 turns).
import assert from "node:assert/strict";
import type { Environment } from "../lib/envs/types.ts";
import { collectMagrpo, type CollectSettings, collectSingle } from "../lib/rl/collect.ts";
import { configWarnings, DEFAULT_CONFIG, validateConfig } from "../lib/rl/config.ts";
import { treeAdvantages, treeReturns } from "../lib/rl/returns.ts";
import { updateGroups, updatePolicies } from "../lib/rl/update_schedule.ts";
import { evaluate } from "../lib/rl/trainer.ts";
import { initTrainState } from "../lib/engine/optim_step.ts";
import { makeRng } from "../lib/util/rng.ts";
import { UserError } from "../lib/util/errors.ts";
import { randomPolicy, tinyLlamaConfig } from "./fixtures.ts";

const CFG = tinyLlamaConfig();
const agents = [randomPolicy(CFG, 1, 0.3), randomPolicy(CFG, 2, 0.3)];
const SETTINGS: CollectSettings = {
  groupSize: 2,
  jointMode: "aligned",
  crossAggregate: "mean",
  turns: 2,
  gamma: 0.9,
  earlyStopThreshold: -0.2,
  advantage: { baseline: "mean", normalize: false },
  sampling: { maxNewTokens: 3, temperature: 1 },
  shape: (r) => r - 4, // the authors' coding shift
};
/** Every joint action scores 1 (raw); a transition that echoes. */
const env: Environment<string> = {
  name: "const",
  numAgents: 2,
  rows: ["x"],
  formatters: [(e) => `A ${e}:`, (e) => `B ${e}:`],
  reward: () => ({ total: 1, levels: {} }),
  transition: (_e, cs) => cs.map((c) => `again ${c}:`),
};

Deno.test("defaults are the authors': shaped early stop, group updates, no clipping, no decay", () => {
  assert.equal(DEFAULT_CONFIG.earlyStopOn, "shaped");
  assert.equal(DEFAULT_CONFIG.updateSchedule, "group");
  assert.equal(DEFAULT_CONFIG.optimizer.maxGradNorm, 0);
  assert.equal(DEFAULT_CONFIG.optimizer.weightDecay, 0);
  assert.equal(DEFAULT_CONFIG.sampling.chatTemplate, false);
});

Deno.test("early termination reads shaped rewards by default, raw ones with earlyStopOn raw", async () => {
  // raw mean 1 > −0.2: raw test stops at the root; shaped mean 1 − 4 = −3 ≤ −0.2: expands.
  const shaped = await collectMagrpo(env, "x", agents, SETTINGS, makeRng(1));
  assert.equal(shaped.tree!.children?.length, 2);
  assert.deepEqual(shaped.turnRewards, [-3, -3]);
  const raw = await collectMagrpo(
    env,
    "x",
    agents,
    { ...SETTINGS, earlyStopOn: "raw" },
    makeRng(1),
  );
  assert.equal(raw.tree!.children, undefined);
  assert.deepEqual(raw.turnRewards, [-3]);
});

Deno.test("group schedule: one AdamW step per node and agent, children before the root", async () => {
  const c = await collectMagrpo(env, "x", agents, SETTINGS, makeRng(2));
  // a full two-turn tree with G = 2: two child nodes, then the root
  assert.equal(c.groups!.length, 3);
  const root = c.tree!, kids = root.children!;
  assert.equal(c.groups![0][0][0].completion, kids[0]!.completions[0][0]);
  assert.equal(c.groups![1][1][1].completion, kids[1]!.completions[1][1]);
  assert.equal(c.groups![2][0][0].completion, root.completions[0][0]);
  assert.equal(updateGroups([c], 2, "joint").length, 1);
  assert.equal(updateGroups([c], 2, "joint")[0][0].length, 6);
  const opts = { lr: 1e-3, maxCompletionLength: 3 };
  const states = agents.map((a) => initTrainState(a.params));
  const group = await updatePolicies(agents[0], states, [c], "group", opts);
  assert.deepEqual(group.states.map((s) => s.step), [3, 3]);
  const joint = await updatePolicies(agents[0], states, [c], "joint", opts);
  assert.deepEqual(joint.states.map((s) => s.step), [1, 1]);
});

Deno.test("G < 2 is refused at config time with the reason; temperature 0 with G > 1 warns", () => {
  assert.throws(
    () => validateConfig({ groupSize: 1 }, "run.json"),
    (e: Error) =>
      e instanceof UserError && e.message.includes("groupSize: must be at least 2, got 1") &&
      e.message.includes("num_generations < 2"),
  );
  assert.deepEqual(configWarnings(DEFAULT_CONFIG), []);
  const w = configWarnings(validateConfig({ sampling: { temperature: 0 } }, "x"));
  assert.equal(w.length, 1);
  assert.match(w[0], /temperature is 0 with groupSize 4/);
});

Deno.test("non-negative rewards with ≥ 3 turns: a solved branch's advantage is negative; their shift fixes it", () => {
  // Root (turn 0) rewards [0, 0]. Branch 0 solves the task at turn 1 (rewards [4, 4], mean > the
  // threshold: not expanded); branch 1 gets [1, 1] and solves it at turn 2 ([4, 4]).
  // Raw: R(branch 1 children) = 1 + 0.9·4 = 4.6; root R = [0.9·4, 0.9·4.6] = [3.6, 4.14];
  // mean 3.87 → A = [−0.27, +0.27]: the branch that solved it first is pushed down.
  const tree = (shift: number) => ({
    rewards: [0 + shift, 0 + shift],
    children: [
      { rewards: [4 + shift, 4 + shift] },
      {
        rewards: [1 + shift, 1 + shift],
        children: [{ rewards: [4 + shift, 4 + shift] }, { rewards: [4 + shift, 4 + shift] }],
      },
    ],
  });
  const raw = treeAdvantages(treeReturns(tree(0), 0.9));
  assert.ok(Math.abs(raw.advantages![0] - -0.27) < 1e-12, String(raw.advantages));
  // Shift −4 (every reward ≤ 0): R(branch 1 children) = −3 + 0.9·0 = −3;
  // root R = [−4 + 0.9·0, −4 + 0.9·(−3)] = [−4, −6.7]; mean −5.35 → A = [+1.35, −1.35].
  const shifted = treeAdvantages(treeReturns(tree(-4), 0.9));
  assert.ok(Math.abs(shifted.advantages![0] - 1.35) < 1e-12, String(shifted.advantages));
  const warn = (o: Record<string, unknown>) =>
    configWarnings(validateConfig({ turns: 3, earlyStopThreshold: 3.5, ...o }, "x"));
  assert.equal(warn({}).length, 1);
  assert.match(warn({})[0], /negative advantage/);
  assert.deepEqual(warn({ rewardShift: -4, earlyStopThreshold: -0.2 }), []);
  assert.deepEqual(warn({ turns: 2 }), []);
});

Deno.test("single-agent GRPO: the environment's split decides the parts", async () => {
  const seen: string[][] = [];
  const single: Environment<string> = {
    ...env,
    reward: (cs) => {
      seen.push(cs);
      return { total: cs[0].length, levels: {} };
    },
    singleSplit: (text) => ["", text],
  };
  const c = await collectSingle(single, "x", agents[0], { ...SETTINGS, turns: 1 }, makeRng(3));
  assert.equal(seen.length, 2);
  assert.ok(seen.every((cs) => cs[0] === ""));
  assert.deepEqual(c.turnTexts![0], seen[0]);
});

Deno.test("evaluation runs every turn of every row, whatever the early-termination threshold", async () => {
  // every reward is 1 > threshold 0: training would stop at the root; evaluation does not
  const cfg = validateConfig(
    { turns: 3, earlyStopThreshold: 0, sampling: { maxNewTokens: 2 } },
    "x",
  );
  const rows = ["r0", "r1", "r2"];
  const rec = await evaluate(cfg, env, rows, agents, 1) as unknown as {
    rows: number;
    turnRewards: number[];
    turnReturns: number[];
    turnMetrics: Record<string, number>[];
  };
  assert.equal(rec.rows, 3);
  assert.deepEqual(rec.turnRewards, [1, 1, 1]);
  // R_2 = 1, R_1 = 1 + 0.9·1 = 1.9, R_0 = 1 + 0.9·1.9 = 2.71
  assert.ok(rec.turnReturns.every((r, t) => Math.abs(r - [2.71, 1.9, 1][t]) < 1e-12));
  assert.deepEqual(rec.turnMetrics, [{ total: 1 }, { total: 1 }, { total: 1 }]);
});

Deno.test("eval.samples n > 1: n sampled episodes per row and pass@k per turn from `passed`", async () => {
  // row "a" passes in every episode, row "b" in none: pass@k = 0.5 for every k
  const graded: Environment<string> = {
    ...env,
    evalMetrics: (row, turnTexts) => turnTexts.map(() => ({ passed: row === "a" ? 1 : 0 })),
  };
  const cfg = validateConfig({ eval: { samples: 4 }, sampling: { maxNewTokens: 2 } }, "x");
  const rec = await evaluate(cfg, graded, ["a", "b"], agents, 1) as unknown as {
    passAtK: Record<string, number>[];
    turnMetrics: Record<string, number>[];
  };
  assert.deepEqual(rec.passAtK, [{ "pass@1": 0.5, "pass@2": 0.5, "pass@4": 0.5 }]);
  assert.deepEqual(rec.turnMetrics, [{ passed: 0.5 }]);
  // one row with 2 of 4 episodes passing: pass@1 = 1/2, pass@2 = 1 − C(2,2)/C(4,2) = 5/6, pass@4 = 1
  const { passAtKPerTurn } = await import("../lib/rl/eval_metrics.ts");
  const mixed = passAtKPerTurn([[[{ passed: 1 }], [{ passed: 0 }], [{ passed: 1 }], [{
    passed: 0,
  }]]], 4);
  assert.equal(mixed![0]["pass@1"], 0.5);
  assert.ok(Math.abs(mixed![0]["pass@2"] - 5 / 6) < 1e-12);
  assert.equal(mixed![0]["pass@4"], 1);
});

Deno.test("single-agent GRPO over turns: the environment's singleTransition, one tree as MAGRPO", async () => {
  const seen: string[] = [];
  const multi: Environment<string> = {
    ...env,
    singleSplit: (text) => ["", text],
    singleTransition: (_e, text, history) => {
      seen.push(`${history.prompts.length}:${history.responses.at(-1) === text}`);
      return `fix: ${text}`;
    },
  };
  // shift −4, threshold −0.2: every raw reward is 1 (shaped −3), so the tree is expanded
  const c = await collectSingle(multi, "x", agents[0], SETTINGS, makeRng(4));
  assert.deepEqual(seen, ["1:true", "1:true"]); // G = 2 branches, each after one turn
  assert.equal(c.groups!.length, 3); // two child nodes, then the root
  assert.deepEqual(c.turnRewards, [-3, -3]);
  assert.equal(c.turnTexts!.length, 2);
  assert.equal(c.turnTexts![0][0], ""); // the parts: empty aux, then the text
  await assert.rejects(
    () => collectSingle(env, "x", agents[0], SETTINGS, makeRng(4)),
    (e: Error) =>
      e instanceof UserError && /const \(single agent\)' has no transition/.test(e.message),
  );
});
