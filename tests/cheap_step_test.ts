// Cheaper MAGRPO steps compute the same numbers: completion-only log-probs in the update equal
// the full-logits path, and one shared prefill per prompt samples the same tokens as G prefills.
import assert from "node:assert/strict";
import { packSequences } from "../lib/policy/pack.ts";
import { toPgBatch } from "../lib/rl/aggregation.ts";
import { createTrainStep } from "../lib/rl/train_step.ts";
import { selectTrained, updateAgent } from "../lib/rl/update.ts";
import { initTrainState } from "../lib/engine/optim_step.ts";
import { createKvCache, tileKvCache } from "../lib/policy/decode.ts";
import { sampleTokens } from "../lib/policy/sample.ts";
import type { Completion } from "../lib/policy/sample.ts";
import type { ModelConfig } from "../lib/model/config.ts";
import { randomPolicy, tinyConfig, tinyLlamaConfig } from "./fixtures.ts";

const SEQS = [
  { promptIds: [1, 2, 3, 4, 5], ids: [6, 7, 8] },
  { promptIds: [9], ids: [10, 11, 12, 13, 14, 15] },
  { promptIds: [16, 17, 18], ids: [19] },
];

const maxDiff = (a: ArrayLike<number>, b: ArrayLike<number>) => {
  assert.equal(a.length, b.length);
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] - b[i]));
  return m;
};

Deno.test("selectTrained: indices of the weighted positions, padded to 16 at weight 0", () => {
  const packed = packSequences(SEQS, { rows: 4, seqLen: 16 });
  const b = toPgBatch(packed, [1, -2, 0.5], "sequence_sum");
  const s = selectTrained(b);
  assert.equal(s.sel.length, 16); // 3 + 6 + 1 = 10 trained positions → one bucket of 16
  assert.deepEqual(
    Array.from(s.sel.subarray(0, 10), Number),
    [4, 5, 6, 16, 17, 18, 19, 20, 21, 34],
  );
  assert.deepEqual(Array.from(s.targets.subarray(0, 10), Number), [
    6,
    7,
    8,
    10,
    11,
    12,
    13,
    14,
    15,
    19,
  ]);
  assert.deepEqual(Array.from(s.adv.subarray(0, 10)), [1, 1, 1, -2, -2, -2, -2, -2, -2, 0.5]);
  assert.ok(s.weights.subarray(0, 10).every((w) => Math.abs(w - 1 / 3) < 1e-7));
  assert.ok(s.weights.subarray(10).every((w) => w === 0));
  assert.equal(s.ids, b.ids); // the forward pass still sees every token
});

for (
  const [name, cfg] of [["qwen2 (untied)", tinyConfig()], ["llama (tied)", tinyLlamaConfig()]] as [
    string,
    ModelConfig,
  ][]
) {
  Deno.test(`completion-only update equals the full-logits update: ${name}`, async () => {
    const policy = randomPolicy(cfg, 3, 0.3);
    const packed = packSequences(SEQS, { rows: 4, seqLen: 16 });
    const full = toPgBatch(packed, [1, -2, 0.5], "grpo", { sequences: 3 });
    full.oldLogp = new Float32Array(full.ids.length).map((_, i) => -2 - 0.01 * i);
    full.refLogp = new Float32Array(full.ids.length).map((_, i) => -5 - 0.01 * i);
    const sel = selectTrained(full);
    const loss = { clipEps: 0.2, klBeta: 0.1 };
    const spec = { cfg, batch: 4, seqLen: 16, loss, outputGrads: true };
    const a = await createTrainStep(spec);
    const b = await createTrainStep({ ...spec, select: sel.sel.length });
    const state = initTrainState(policy.params);
    const ra = await a.run(state, full, 1e-3), rb = await b.run(state, sel, 1e-3);
    assert.ok(
      Math.abs(ra.metrics.loss - rb.metrics.loss) < 1e-5,
      `${ra.metrics.loss} ${rb.metrics.loss}`,
    );
    assert.ok(Math.abs(ra.metrics.gradNorm - rb.metrics.gradNorm) < 1e-5);
    assert.ok(Math.abs(ra.metrics.kl! - rb.metrics.kl!) < 1e-5 * Math.abs(ra.metrics.kl!)); // relative
    assert.equal(ra.metrics.clipFraction, rb.metrics.clipFraction);
    const picked = Array.from(sel.sel.subarray(0, 10), (k) => ra.metrics.logp[Number(k)]);
    assert.ok(maxDiff(picked, rb.metrics.logp.subarray(0, 10)) < 1e-5);
    for (const [k, g] of Object.entries(ra.metrics.grads!)) {
      const d = maxDiff(g.data as Float32Array, rb.metrics.grads![k].data as Float32Array);
      assert.ok(d < 1e-5, `grad.${k} differs by ${d}`);
    }
    for (const [k, p] of Object.entries(ra.state.params)) {
      const d = maxDiff(p.data as Float32Array, rb.state.params[k].data as Float32Array);
      assert.ok(d < 1e-5, `${k} differs by ${d} after AdamW`);
    }
    a.session.release?.();
    b.session.release?.();
  });
}

Deno.test("updateAgent: the default (completion-only) and fullLogits give the same losses", async () => {
  const policy = randomPolicy(tinyLlamaConfig(), 4, 0.3);
  const samples = SEQS.map((s, i) => ({
    completion: {
      prompt: 0,
      sample: i,
      promptIds: s.promptIds,
      ids: s.ids,
      text: "",
      logprobs: s.ids.map(() => -3),
      finish: "length",
    } as Completion,
    advantage: [0.7, -1.1, 0.4][i],
  }));
  const state = initTrainState(policy.params);
  const a = await updateAgent(policy, state, samples, {
    lr: 1e-3,
    innerIterations: 2,
    loss: { clipEps: 0.2 },
  });
  const b = await updateAgent(policy, state, samples, {
    lr: 1e-3,
    innerIterations: 2,
    loss: { clipEps: 0.2 },
    fullLogits: true,
  });
  assert.equal(a.metrics.losses.length, 2);
  assert.ok(maxDiff(a.metrics.losses, b.metrics.losses) < 1e-5);
  assert.ok(maxDiff(a.metrics.gradNorms, b.metrics.gradNorms) < 1e-5);
  assert.equal(a.metrics.tokens, 10);
});

Deno.test("tileKvCache: row r·G + c is a copy of row r, filled length kept", () => {
  const cfg = tinyConfig({ layers: 1, kvHeads: 1, headDim: 2 });
  const src = createKvCache(cfg, 2, 3);
  src.layers[0].key.set([1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12]); // [t=3][b=2][w=2]
  src.layers[0].value.set([-1, -2, -3, -4, -5, -6, -7, -8, -9, -10, -11, -12]);
  src.length = 2;
  const out = tileKvCache(cfg, src, 2, 5);
  assert.equal(out.batch, 4);
  assert.equal(out.length, 2);
  assert.deepEqual(
    Array.from(out.layers[0].key.subarray(0, 24)),
    [1, 2, 1, 2, 3, 4, 3, 4, 5, 6, 5, 6, 7, 8, 7, 8, ...new Array(8).fill(0)],
  );
  assert.deepEqual(Array.from(out.layers[0].value.subarray(8, 12)), [-5, -6, -5, -6]);
});

Deno.test("shared prefill samples the same tokens as one prefill per sample", async () => {
  for (const cfg of [tinyConfig(), tinyLlamaConfig()]) {
    const policy = randomPolicy(cfg, 5, 0.3);
    const prompts = [[1, 2, 3, 4, 5, 6, 7], [8, 9, 10]]; // different lengths: left padding
    const opts = { numReturnSequences: 4, maxNewTokens: 12, seed: 9, eosTokenIds: [] };
    const shared = await sampleTokens(policy, prompts, opts);
    const each = await sampleTokens(policy, prompts, { ...opts, sharedPrefill: false });
    assert.equal(shared.length, 8);
    assert.deepEqual(shared.map((c) => c.ids), each.map((c) => c.ids));
    shared.forEach((c, i) => assert.ok(maxDiff(c.logprobs, each[i].logprobs) < 1e-5));
    // the G samples of a prompt differ (the draws do), so the copies are not one row repeated
    assert.ok(new Set(shared.slice(0, 4).map((c) => c.ids.join())).size > 1);
  }
});
