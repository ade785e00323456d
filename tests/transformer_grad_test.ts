// Whole-model gradient checks (float64), determinism of the train step, build-time shape errors.
import assert from "node:assert/strict";
import { input, newGraph } from "../lib/engine/graph.ts";
import { gradCheck } from "../lib/engine/gradcheck.ts";
import { matmul } from "../lib/engine/ops.ts";
import { reshape } from "../lib/engine/shape_ops.ts";
import type { HostTensor } from "../lib/engine/runtime.ts";
import type { Params, TransformerConfig } from "../lib/model/transformer.ts";
import { initParams, paramShapes } from "../lib/model/params.ts";
import { makeRng, randInt, randNormal } from "../lib/util/rng.ts";
import { createTrainStep, type PgBatch, pgBatchFeeds } from "../lib/rl/train_step.ts";
import { initTrainState } from "../lib/engine/optim_step.ts";
import { type LossOptions, policyLossGraph } from "../lib/rl/loss_graph.ts";
import { UserError } from "../lib/util/errors.ts";
import { microConfig } from "./fixtures.ts";

const LLAMA: TransformerConfig = microConfig();
const GPT2: TransformerConfig = {
  ...LLAMA,
  arch: "gpt2",
  heads: 2,
  kvHeads: 2,
  headDim: 4,
  qkvBias: true,
  tieEmbeddings: true,
  normEps: 1e-5,
};

/** A batch of B sequences of length T with left part "prompt", right padding on row 1. */
function makeBatch(
  cfg: TransformerConfig,
  b: number,
  t: number,
  seed: string,
  F: Float32ArrayConstructor | Float64ArrayConstructor = Float64Array,
): PgBatch {
  const rng = makeRng(seed);
  const ids = new BigInt64Array(b * t), targets = new BigInt64Array(b * t);
  const positions = new BigInt64Array(b * t);
  const attn = new F(b * t), mask = new F(b * t);
  for (let r = 0; r < b; r++) {
    const len = r === 1 ? t - 2 : t; // row 1 is right-padded
    const tok = Array.from({ length: t }, () => randInt(rng, cfg.vocabSize));
    for (let i = 0; i < t; i++) {
      ids[r * t + i] = BigInt(tok[i]);
      targets[r * t + i] = BigInt(i + 1 < len ? tok[i + 1] : 0);
      positions[r * t + i] = BigInt(Math.min(i, len - 1) + 3); // offset: rotary at positions > 0
      attn[r * t + i] = i < len ? 1 : 0;
      mask[r * t + i] = i >= 1 && i + 1 < len ? 1 : 0;
    }
  }
  const seqAdv = new F(b).map(() => randNormal(rng));
  const adv = new F(b * t).map((_, k) => seqAdv[Math.floor(k / t)]);
  let total = 0;
  for (const x of mask) total += x;
  const weights = mask.map((x) => x / total); // the masked token mean (−Σ mask·adv·logp / Σ mask)
  return { ids, targets, positions, attn, weights, adv };
}

async function checkModel(cfg: TransformerConfig, lossOpts: LossOptions = {}) {
  const g = newGraph("loss");
  const params: Params = {};
  for (const [name, dims] of Object.entries(paramShapes(cfg))) {
    params[name] = input(g, name, dims, "float64");
  }
  const [b, t] = [2, 5];
  const { loss } = policyLossGraph(cfg, params, b, t, lossOpts);
  const host = initParams(cfg, { seed: 1, std: 0.5, dtype: "float64" });
  // Norm weights and biases away from their init values, so their gradients are generic.
  const prng = makeRng("perturb");
  for (const p of Object.values(host)) {
    for (let i = 0; i < p.data.length; i++) {
      (p.data as Float64Array)[i] += 0.1 * randNormal(prng);
    }
  }
  const batch = makeBatch(cfg, b, t, "batch");
  const rng = makeRng("old");
  const values: Record<string, HostTensor> = { ...host };
  const bt = [b, t];
  Object.assign(values, pgBatchFeeds(batch, bt, false, "float64"));
  // Log-probs of a "sampling" and a "reference" policy, near the current ones (ln 1/13 ≈ −2.56)
  // so that some ratios fall inside the clip range and some outside.
  const near = () => new Float64Array(b * t).map(() => -2.56 + 0.4 * randNormal(rng));
  values.old_logp = { data: near(), dims: bt };
  values.ref_logp = { data: near(), dims: bt };
  return await gradCheck(g, loss, Object.values(params), values);
}

Deno.test("qwen2-style transformer (GQA, q/k/v bias, rotary, untied head): loss gradient matches finite differences", async () => {
  const r = await checkModel(LLAMA);
  console.log(
    `qwen2 loss gradient: max relative error ${
      r.maxRelError.toExponential(2)
    } over ${r.evaluations} evaluations`,
  );
  assert.ok(r.maxRelError < 1e-5, `max relative error ${r.maxRelError}`);
});

Deno.test("llama-style transformer (tied head, no bias, MHA): loss gradient matches finite differences", async () => {
  const r = await checkModel({
    ...LLAMA,
    arch: "llama",
    qkvBias: false,
    tieEmbeddings: true,
    kvHeads: 4,
  });
  console.log(
    `llama loss gradient: max relative error ${r.maxRelError.toExponential(2)}`,
  );
  assert.ok(r.maxRelError < 1e-5, `max relative error ${r.maxRelError}`);
});

Deno.test("gpt2-style transformer: loss gradient matches finite differences", async () => {
  const r = await checkModel(GPT2);
  console.log(
    `gpt2 loss gradient: max relative error ${r.maxRelError.toExponential(2)}`,
  );
  assert.ok(r.maxRelError < 1e-5, `max relative error ${r.maxRelError}`);
});

Deno.test("PPO-clipped loss with k3 KL to a reference: gradient matches finite differences", async () => {
  const r = await checkModel(LLAMA, { clipEps: 0.2, klBeta: 0.1 });
  console.log(
    `clipped + KL loss gradient: max relative error ${r.maxRelError.toExponential(2)}`,
  );
  assert.ok(r.maxRelError < 1e-5, `max relative error ${r.maxRelError}`);
});

Deno.test("train step: same seed gives bit-identical gradients and parameters across two runs", async () => {
  const cfg = {
    ...LLAMA,
    hidden: 32,
    headDim: 8,
    intermediate: 64,
    vocabSize: 50,
  };
  const run = async () => {
    const step = await createTrainStep({
      cfg,
      batch: 4,
      seqLen: 16,
      outputGrads: true,
    }, { threads: 2 });
    let state = initTrainState(initParams(cfg, { seed: 7 }));
    const batch = makeBatch(cfg, 4, 16, "det", Float32Array);
    let grads;
    for (let i = 0; i < 3; i++) {
      const r = await step.run(state, batch, 1e-2);
      state = r.state;
      grads = r.metrics.grads!;
    }
    await step.session.release();
    return { state, grads: grads! };
  };
  const a = await run(), b = await run();
  let compared = 0;
  for (const name of Object.keys(a.grads)) {
    assert.deepEqual(
      new Uint8Array(a.grads[name].data.buffer),
      new Uint8Array(b.grads[name].data.buffer),
      name,
    );
    assert.deepEqual(
      a.state.params[name].data,
      b.state.params[name].data,
      name,
    );
    compared += a.grads[name].data.length;
  }
  assert.ok(compared > 1000);
});

Deno.test("train step lowers the loss of a fixed batch (positive advantages)", async () => {
  const cfg = {
    ...LLAMA,
    hidden: 32,
    headDim: 8,
    intermediate: 64,
    vocabSize: 50,
  };
  const step = await createTrainStep({ cfg, batch: 4, seqLen: 16 });
  let state = initTrainState(initParams(cfg, { seed: 3 }));
  const batch = makeBatch(cfg, 4, 16, "fit", Float32Array);
  batch.adv.fill(1); // maximize log-likelihood: the loss is the masked mean NLL
  const losses: number[] = [];
  for (let i = 0; i < 30; i++) {
    const r = await step.run(state, batch, 3e-3);
    state = r.state;
    losses.push(r.metrics.loss);
  }
  await step.session.release();
  assert.ok(
    Math.abs(losses[0] - Math.log(50)) < 0.1,
    `initial NLL ${losses[0]} ≈ ln 50`,
  );
  assert.ok(
    losses.at(-1)! < 0.5 * losses[0],
    `loss ${losses[0]} → ${losses.at(-1)}`,
  );
});

Deno.test("shape mismatches fail at graph build time, naming the op and the shapes", () => {
  const g = newGraph();
  const a = input(g, "a", [2, 3]), b = input(g, "b", [4, 5]);
  assert.throws(() => matmul(a, b), (e: Error) => {
    assert.ok(e instanceof UserError);
    assert.match(
      e.message,
      /MatMul: inner dimensions differ: \[2, 3\] @ \[4, 5\] \(3 vs 4\)/,
    );
    return true;
  });
  assert.throws(
    () => reshape(a, [4, 2]),
    /Reshape: cannot reshape \[2, 3\] to \[4, 2\]/,
  );
});
