// LoRA training at the graph level: adapter gradients against float64 finite differences (of the
// loss graph and of the one-call optimization step itself), the base left bit for bit as it was,
// only adapter tensors and moments in the state, and a missing base refused.
import assert from "node:assert/strict";
import { input, newGraph } from "../lib/engine/graph.ts";
import { gradCheck } from "../lib/engine/gradcheck.ts";
import type { Params, TransformerConfig } from "../lib/model/transformer.ts";
import { initParams, paramShapes, type ParamStore } from "../lib/model/params.ts";
import { loraShapes } from "../lib/model/lora.ts";
import { makeRng, randInt, randNormal } from "../lib/util/rng.ts";
import { createTrainStep, type PgBatch, pgBatchFeeds } from "../lib/rl/train_step.ts";
import { initTrainState } from "../lib/engine/optim_step.ts";
import { policyLossGraph } from "../lib/rl/loss_graph.ts";
import { UserError } from "../lib/util/errors.ts";
import { ALL_PROJECTIONS, microConfig, randomStore } from "./fixtures.ts";

const BASE: TransformerConfig = microConfig();
/** r = 2 on every projection; scale α/r = 3 (α = 6), not 1, so that a lost factor shows. */
const LORA: TransformerConfig = { ...BASE, lora: { r: 2, scale: 3, targets: ALL_PROJECTIONS } };

/** B rows of T tokens, row 1 right-padded, token weights the masked mean. */
function makeBatch(
  b: number,
  t: number,
  seed: string,
  F: Float32ArrayConstructor | Float64ArrayConstructor = Float64Array,
): PgBatch {
  const rng = makeRng(seed), n = b * t;
  const ids = new BigInt64Array(n), targets = new BigInt64Array(n);
  const positions = new BigInt64Array(n), attn = new F(n), mask = new F(n);
  for (let r = 0; r < b; r++) {
    const len = r === 1 ? t - 2 : t;
    const tok = Array.from({ length: t }, () => randInt(rng, BASE.vocabSize));
    for (let i = 0; i < t; i++) {
      ids[r * t + i] = BigInt(tok[i]);
      targets[r * t + i] = BigInt(i + 1 < len ? tok[i + 1] : 0);
      positions[r * t + i] = BigInt(Math.min(i, len - 1) + 2);
      attn[r * t + i] = i < len ? 1 : 0;
      mask[r * t + i] = i >= 1 && i + 1 < len ? 1 : 0;
    }
  }
  const seqAdv = Array.from({ length: b }, () => randNormal(rng));
  const adv = new F(n).map((_, k) => seqAdv[Math.floor(k / t)]);
  let total = 0;
  for (const x of mask) total += x;
  return { ids, targets, positions, attn, weights: mask.map((x) => x / total), adv };
}

/** Base weights away from init (generic norms and biases) and an adapter with B ≠ 0. */
function float64Model() {
  const base = initParams(BASE, { seed: 1, std: 0.5, dtype: "float64" });
  const prng = makeRng("perturb");
  for (const p of Object.values(base)) {
    for (let i = 0; i < p.data.length; i++) (p.data as Float64Array)[i] += 0.1 * randNormal(prng);
  }
  return { base, adapter: randomStore(loraShapes(LORA), "adapter", 0.3) };
}

Deno.test("LoRA loss gradient (all seven targets, scale 3) matches float64 finite differences", async () => {
  const g = newGraph("lora_loss");
  const params: Params = {}, adapter: Params = {};
  for (const [n, dims] of Object.entries(paramShapes(BASE))) {
    params[n] = input(g, n, dims, "float64");
  }
  for (const [n, dims] of Object.entries(loraShapes(LORA))) {
    adapter[n] = input(g, n, dims, "float64");
  }
  const [b, t] = [2, 5];
  const { loss } = policyLossGraph(LORA, { ...params, ...adapter }, b, t);
  const host = float64Model();
  const values = {
    ...host.base,
    ...host.adapter,
    ...pgBatchFeeds(makeBatch(b, t, "batch"), [b, t], false, "float64"),
  };
  const r = await gradCheck(g, loss, Object.values(adapter), values);
  console.log(
    `LoRA loss gradient: max relative error ${r.maxRelError.toExponential(2)} over ` +
      `${Object.keys(adapter).length} adapter tensors, ${r.evaluations} evaluations`,
  );
  assert.equal(Object.keys(adapter).length, 2 * 7 * BASE.layers);
  assert.ok(r.maxRelError < 1e-5, `max relative error ${r.maxRelError}`);
});

Deno.test("LoRA train step: its gradients are finite differences of its own loss (float64)", async () => {
  const [b, t] = [2, 6];
  const step = await createTrainStep(
    { cfg: LORA, batch: b, seqLen: t, dtype: "float64", outputGrads: true },
    { threads: 1 },
  );
  const { base, adapter } = float64Model();
  const batch = makeBatch(b, t, "step-batch");
  const run = async (p: ParamStore) => await step.run(initTrainState(p), batch, 1e-3, base);
  const r0 = await run(adapter);
  assert.deepEqual(Object.keys(r0.metrics.grads!).sort(), Object.keys(loraShapes(LORA)).sort());
  // Central differences of the step's `loss` output (the loss before its update), for a few
  // elements of every adapter tensor.
  const eps = 1e-6;
  let worst = 0, checked = 0;
  for (const [name, t0] of Object.entries(adapter)) {
    const n = t0.data.length;
    for (const i of [0, Math.floor(n / 2), n - 1]) {
      const at = (d: number) => {
        const data = Float64Array.from(t0.data as Float64Array);
        data[i] += d;
        return run({ ...adapter, [name]: { data, dims: t0.dims } });
      };
      const numeric = ((await at(eps)).metrics.loss - (await at(-eps)).metrics.loss) / (2 * eps);
      const analytic = Number(r0.metrics.grads![name].data[i]);
      const err = Math.abs(analytic - numeric) /
        Math.max(Math.abs(analytic), Math.abs(numeric), 1e-3);
      worst = Math.max(worst, err);
      checked++;
    }
  }
  await step.session.release();
  console.log(
    `LoRA train step gradients: max relative error ${worst.toExponential(2)} (${checked} elements)`,
  );
  assert.ok(worst < 1e-5, `max relative error ${worst}`);
});

Deno.test("LoRA train step: the base stays bit for bit; only the adapter and its moments move", async () => {
  const cfg: TransformerConfig = {
    ...BASE,
    hidden: 32,
    headDim: 8,
    intermediate: 64,
    vocabSize: 50,
    lora: { r: 4, scale: 2, targets: ALL_PROJECTIONS },
  };
  const [b, t] = [4, 16];
  const step = await createTrainStep({ cfg, batch: b, seqLen: t }, { threads: 1 });
  const base = initParams(cfg, { seed: 3 });
  const before = Object.fromEntries(
    Object.entries(base).map(([n, x]) => [n, Float32Array.from(x.data as Float32Array)]),
  );
  // PEFT's init: A random, B = 0 (the adapter starts as a no-op).
  const adapter = randomStore(loraShapes(cfg), "a", 0.1, Float32Array);
  for (const [n, x] of Object.entries(adapter)) {
    if (n.includes("lora_B")) (x.data as Float32Array).fill(0);
  }
  const batch = makeBatch(b, t, "moves", Float32Array);
  let state = initTrainState(adapter);
  const losses: number[] = [];
  for (let i = 0; i < 3; i++) {
    const r = await step.run(state, batch, 1e-2, base);
    state = r.state;
    losses.push(r.metrics.loss);
  }
  await step.session.release();
  for (const [n, x] of Object.entries(base)) {
    assert.deepEqual(new Uint8Array(x.data.buffer), new Uint8Array(before[n].buffer), n);
  }
  const names = Object.keys(loraShapes(cfg)).sort();
  for (const store of [state.params, state.m, state.v]) {
    assert.deepEqual(Object.keys(store).sort(), names);
  }
  assert.equal(state.step, 3);
  // Step 1 moves only B (∂L/∂A = scale·Bᵀ·… is 0 while B = 0); by step 3 A has moved too. An
  // AdamW step from zero moments moves each element by lr·g/(|g|+ε) ≈ lr = 1e-2.
  for (const n of names) {
    const moved = Math.max(
      ...Array.from(
        state.params[n].data as Float32Array,
        (x, i) => Math.abs(x - Number(adapter[n].data[i])),
      ),
    );
    assert.ok(moved > 1e-3 && moved < 3.5e-2, `${n} moved by ${moved}`);
  }
  // The base's AdamW state and outputs do not exist at all.
  assert.equal(Object.keys(state.params).some((n) => !n.includes(".lora_")), false);
  // Three steps on one batch with positive and negative advantages: the loss goes down.
  assert.ok(losses[2] < losses[0], `losses ${losses}`);
});

Deno.test("LoRA train step without the base: a UserError naming the missing frozen parameter", async () => {
  const step = await createTrainStep({ cfg: LORA, batch: 2, seqLen: 4 }, { threads: 1 });
  const adapter = randomStore(loraShapes(LORA), "x", 0.1, Float32Array);
  await assert.rejects(
    () => step.run(initTrainState(adapter), makeBatch(2, 4, "b", Float32Array), 1e-3),
    (e: Error) =>
      e instanceof UserError && /frozen parameter 'model\.embed_tokens\.weight'/.test(e.message),
  );
  await step.session.release();
});
