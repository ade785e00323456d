// Token aggregation weights, learning-rate schedules, the toy reward: known values.
import assert from "node:assert/strict";
import { AGGREGATIONS, tokenWeights, toPgBatch } from "../lib/rl/aggregation.ts";
import { packSequences } from "../lib/policy/pack.ts";
import { lrAt } from "../lib/rl/schedule.ts";
import { contentJaccard, fluency, plateau, toyAgentReward, toyReward } from "../lib/envs/toy.ts";

const close = (a: ArrayLike<number>, b: number[]) => {
  assert.equal(a.length, b.length);
  for (let i = 0; i < b.length; i++) {
    assert.ok(Math.abs(a[i] - b[i]) < 1e-7, `[${i}] ${a[i]} vs ${b[i]}`);
  }
};

// Two sequences, T = 4: the first has 3 completion tokens, the second 1.
const MASK = [1, 1, 1, 0, 1, 0, 0, 0];

Deno.test("tokenWeights: the five aggregation modes, computed by hand", () => {
  close(tokenWeights(MASK, 2, 4, "sequence_sum"), [0.5, 0.5, 0.5, 0, 0.5, 0, 0, 0]); // m / B
  close(tokenWeights(MASK, 2, 4, "grpo"), [1 / 6, 1 / 6, 1 / 6, 0, 0.5, 0, 0, 0]); // m / (|o_b|·B)
  close(tokenWeights(MASK, 2, 4, "bnpo"), [0.25, 0.25, 0.25, 0, 0.25, 0, 0, 0]); // m / Σm
  close(tokenWeights(MASK, 2, 4, "dapo"), [0.25, 0.25, 0.25, 0, 0.25, 0, 0, 0]);
  close(tokenWeights(MASK, 2, 4, "dr_grpo", { maxCompletionLength: 10 }), [
    0.05,
    0.05,
    0.05,
    0,
    0.05,
    0,
    0,
    0,
  ]);
  assert.throws(() => tokenWeights(MASK, 2, 4, "dr_grpo"), /maxCompletionLength/);
  assert.throws(() => tokenWeights(MASK, 2, 4, "nope" as never), /unknown aggregation 'nope'/);
  assert.equal(AGGREGATIONS.length, 5);
});

Deno.test("toPgBatch: sequence advantages broadcast to their tokens; padding rows weigh 0", () => {
  const packed = packSequences([{ promptIds: [1], ids: [2, 3] }, { promptIds: [4, 5], ids: [6] }], {
    seqLen: 4,
    rows: 4,
  });
  const b = toPgBatch(packed, [2, -1], "sequence_sum");
  close(b.adv.subarray(0, 8), [2, 2, 2, 2, -1, -1, -1, -1]);
  close(b.weights, [0.5, 0.5, 0, 0, 0, 0.5, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0]);
});

Deno.test("lrAt: linear warmup, then constant or cosine", () => {
  assert.equal(lrAt(1, { lr: 1e-3, warmupSteps: 4 }), 2.5e-4);
  assert.equal(lrAt(4, { lr: 1e-3, warmupSteps: 4 }), 1e-3);
  assert.equal(lrAt(50, { lr: 1e-3 }), 1e-3);
  const s = { lr: 1, schedule: "cosine" as const, totalSteps: 10, minRatio: 0 };
  assert.ok(Math.abs(lrAt(5, s) - 0.5 * (1 + Math.cos(Math.PI * 0.5))) < 1e-12);
  assert.ok(Math.abs(lrAt(10, s)) < 1e-12);
});

Deno.test("toy reward: levels computed by hand, fluency gate, per-agent rewards", () => {
  const row = { topic: "a quiet girl", noun: "girl" };
  // short: 6 words; long: 12 words (ratio 2); content words: {quiet, girl, found, feather} and
  // {quiet, girl, found, red, feather, fair, took, home} → Jaccard 4/8 = 0.5 ≥ 0.25.
  const short = "The quiet girl found a feather.";
  const long = "The quiet girl found a red feather at the fair and took home.";
  const r = toyReward([short, long], row);
  assert.equal(fluency(short), 1);
  assert.equal(fluency(long), 1);
  assert.equal(contentJaccard(short, long), 0.5);
  assert.deepEqual(r.levels, { topic: 0.25, short: 0.25, ratio: 0.25, overlap: 0.25 });
  assert.equal(r.total, 1);
  // One agent silent: nothing joint is earned.
  assert.deepEqual(toyReward([short, ""], row).levels, {
    topic: 0.125,
    short: 0.25,
    ratio: 0,
    overlap: 0,
  });
  assert.equal(toyReward(["", ""], row).total, 0);
  // Gibberish with the right word counts earns nothing.
  assert.equal(toyReward(["b b b b b b", "b b b b b b b b b b b b"], row).total, 0);
  assert.equal(fluency("girl girl girl girl"), 0.5); // each word counts at most twice
  // Ramps: 3 words is halfway between 2 and 4.
  assert.equal(plateau(3, 2, 4, 9, 14), 0.5);
  assert.equal(plateau(11.5, 2, 4, 9, 14), 0.5);
  // Independent learners: what each agent controls alone (max 0.375).
  assert.equal(toyAgentReward(0, short, row), 0.375);
  assert.equal(toyAgentReward(1, long, row), 0.375);
  // Non-ASCII text is not in the vocabulary: fluency 0.
  assert.equal(fluency("Ünïcödé wörds ☃"), 0);
});
