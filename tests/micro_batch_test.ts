// Micro-batched updates (gradient accumulation): chunk losses and gradients summed in JS, then one
// clipping + AdamW call, against the one-call train step on the same batch: equal to ~1e-12 in
// float64 and to float32 rounding in float32, for full and LoRA fine-tuning, with clipping active,
// with and without selected positions, PPO clipping and the KL term; through updateAgent too.
import assert from "node:assert/strict";
import type { TransformerConfig } from "../lib/model/transformer.ts";
import { initParams, type ParamStore } from "../lib/model/params.ts";
import { initLora } from "../lib/model/lora.ts";
import { makeRng, randInt, randNormal } from "../lib/util/rng.ts";
import { createTrainStep, type PgBatch } from "../lib/rl/train_step.ts";
import { initTrainState, type TrainState } from "../lib/engine/optim_step.ts";
import { microBatchedStep, microBatchRowsFor, rowChunks } from "../lib/rl/micro_step.ts";
import { type AgentSample, selectTrained, updateAgent } from "../lib/rl/update.ts";
import { withAdapter } from "../lib/policy/policy.ts";
import type { Completion } from "../lib/policy/sample.ts";
import { UserError } from "../lib/util/errors.ts";
import { ALL_PROJECTIONS, microConfig, randomPolicy, tinyLlamaConfig } from "./fixtures.ts";

const BASE: TransformerConfig = microConfig();
const LORA: TransformerConfig = { ...BASE, lora: { r: 2, scale: 3, targets: ALL_PROJECTIONS } };
const [B, T] = [5, 7];
/** Clip well below the gradient norm, so that clipping acts on the summed gradient. */
const ADAM = { maxGradNorm: 0.05, weightDecay: 0.01 };

type F = Float32ArrayConstructor | Float64ArrayConstructor;

/** B rows of T tokens of different lengths, row 3 all padding (weight 0), weights Σ = 1. */
function makeBatch(seed: string, Fc: F, extra = false): PgBatch {
  const rng = makeRng(seed), n = B * T;
  const ids = new BigInt64Array(n), targets = new BigInt64Array(n);
  const positions = new BigInt64Array(n), attn = new Fc(n), mask = new Fc(n);
  for (let r = 0; r < B; r++) {
    const len = r === 3 ? 0 : T - (r % 3);
    const tok = Array.from({ length: T }, () => randInt(rng, BASE.vocabSize));
    for (let i = 0; i < T; i++) {
      ids[r * T + i] = BigInt(tok[i]);
      targets[r * T + i] = BigInt(i + 1 < len ? tok[i + 1] : 0);
      positions[r * T + i] = BigInt(i);
      attn[r * T + i] = i < len ? 1 : 0;
      mask[r * T + i] = i >= 2 && i + 1 < len ? 1 : 0;
    }
  }
  const seqAdv = Array.from({ length: B }, () => randNormal(rng));
  const adv = new Fc(n).map((_, k) => seqAdv[Math.floor(k / T)]);
  let total = 0;
  for (const x of mask) total += x;
  const batch: PgBatch = {
    ids,
    targets,
    positions,
    attn,
    weights: mask.map((x) => x / total),
    adv,
  };
  if (extra) { // placeholders: compare() sets them near the model's own log-probs
    batch.oldLogp = new Fc(n);
    batch.refLogp = new Fc(n);
  }
  return batch;
}

/** Max |a − b| over max |b| (one number per store, over every tensor). */
function relDiff(a: ParamStore, b: ParamStore): number {
  let d = 0, m = 0;
  for (const [n, t] of Object.entries(b)) {
    const x = a[n].data, y = t.data;
    for (let i = 0; i < y.length; i++) {
      d = Math.max(d, Math.abs(Number(x[i]) - Number(y[i])));
      m = Math.max(m, Math.abs(Number(y[i])));
    }
  }
  return d / m;
}

interface Case {
  cfg: TransformerConfig;
  dtype: "float32" | "float64";
  select: boolean;
  extra: boolean;
  chunkRows: number;
}

async function compare(c: Case): Promise<Record<string, number>> {
  const Fc = c.dtype === "float64" ? Float64Array : Float32Array;
  const loss = c.extra ? { clipEps: 0.2, klBeta: 0.1 } : {};
  const full = makeBatch("micro", Fc, c.extra);
  let fed = c.select ? selectTrained(full) : full;
  const base = initParams(BASE, { seed: 1, std: 0.5, dtype: c.dtype });
  let start: ParamStore = base;
  if (c.cfg.lora) { // an adapter with B ≠ 0, so that A gets gradients too
    start = initLora(c.cfg, 2, { dtype: c.dtype });
    const rng = makeRng("b");
    for (const [n, t] of Object.entries(start)) {
      if (n.includes("lora_B")) t.data = (t.data as Float64Array).map(() => 0.3 * randNormal(rng));
    }
  }
  const state: TrainState = initTrainState(start);
  const session = { threads: 1 };
  const one = await createTrainStep(
    {
      cfg: c.cfg,
      batch: B,
      seqLen: T,
      loss,
      adam: ADAM,
      dtype: c.dtype,
      outputGrads: true,
      select: fed.sel?.length,
    },
    session,
  );
  const frozen = c.cfg.lora ? base : undefined;
  if (c.extra) { // old / reference log-probs near the current ones: some ratios get clipped
    const lp = (await one.run(state, fed, 1e-2, frozen)).metrics.logp;
    const rng = makeRng("old");
    fed.weights.forEach((w, k) => {
      if (w === 0) return;
      const at = fed.sel ? Number(fed.sel[k]) : k;
      full.oldLogp![at] = lp[k] + 0.25 * randNormal(rng);
      full.refLogp![at] = lp[k] + 0.3 * randNormal(rng);
    });
    fed = c.select ? selectTrained(full) : full;
  }
  const want = await one.run(state, fed, 1e-2, frozen);
  await one.session.release();
  const chunks = rowChunks(full, T, c.chunkRows).map((k) =>
    c.select ? { ...k, batch: selectTrained(k.batch) } : k
  );
  const got = await microBatchedStep(
    { cfg: c.cfg, seqLen: T, loss, adam: ADAM, dtype: c.dtype, outputGrads: true },
    state,
    chunks,
    1e-2,
    frozen,
    session,
  );
  assert.ok(
    want.metrics.gradNorm > 4 * ADAM.maxGradNorm,
    `clipping acts: ${want.metrics.gradNorm}`,
  );
  assert.equal(got.state.step, 1);
  const r = (x: number, y: number) => Math.abs(x - y) / Math.abs(y);
  const out: Record<string, number> = {
    loss: r(got.metrics.loss, want.metrics.loss),
    gradNorm: r(got.metrics.gradNorm, want.metrics.gradNorm),
    grads: relDiff(got.metrics.grads!, want.metrics.grads!),
    m: relDiff(got.state.m, want.state.m),
    v: relDiff(got.state.v, want.state.v),
    params: relDiff(got.state.params, want.state.params),
  };
  if (c.extra) {
    out.kl = r(got.metrics.kl!, want.metrics.kl!);
    assert.ok(want.metrics.clipFraction! > 0 && want.metrics.clipFraction! < 1);
    out.clipFraction = Math.abs(got.metrics.clipFraction! - want.metrics.clipFraction!);
  }
  return out;
}

const CASES: [string, Case, number][] = [
  ["full, float64, rows 1", {
    cfg: BASE,
    dtype: "float64",
    select: false,
    extra: false,
    chunkRows: 1,
  }, 1e-12],
  ["full, float64, rows 2, selected, PPO clip + KL", {
    cfg: BASE,
    dtype: "float64",
    select: true,
    extra: true,
    chunkRows: 2,
  }, 1e-12],
  ["LoRA, float64, rows 3 (shorter last chunk)", {
    cfg: LORA,
    dtype: "float64",
    select: false,
    extra: false,
    chunkRows: 3,
  }, 1e-12],
  ["LoRA, float64, rows 1, selected, PPO clip + KL", {
    cfg: LORA,
    dtype: "float64",
    select: true,
    extra: true,
    chunkRows: 1,
  }, 1e-12],
  ["full, float32, rows 2, selected", {
    cfg: BASE,
    dtype: "float32",
    select: true,
    extra: false,
    chunkRows: 2,
  }, 2e-5],
  ["LoRA, float32, rows 1, PPO clip + KL", {
    cfg: LORA,
    dtype: "float32",
    select: false,
    extra: true,
    chunkRows: 1,
  }, 2e-5],
];

for (const [name, c, tol] of CASES) {
  Deno.test(`micro-batched step = one-call step: ${name}`, async () => {
    const d = await compare(c);
    console.log(
      `${name}: ${Object.entries(d).map(([k, x]) => `${k} ${x.toExponential(1)}`).join(", ")}`,
    );
    for (const [k, x] of Object.entries(d)) {
      assert.ok(x <= tol, `${k}: relative difference ${x} > ${tol}`);
    }
  });
}

Deno.test("rowChunks: consecutive rows, padding-only chunks left out, weights not renormalized", () => {
  const batch = makeBatch("chunks", Float64Array);
  const chunks = rowChunks(batch, T, 2); // rows 0–1, 2–3, 4 (row 3 is padding but 2 is not)
  assert.deepEqual(chunks.map((k) => k.rows), [2, 2, 1]);
  assert.deepEqual([...chunks[1].batch.weights], [...batch.weights.slice(2 * T, 4 * T)]);
  assert.deepEqual(
    rowChunks(batch, T, 1).map((k) => k.batch.ids[0]),
    [0, 1, 2, 4].map((r) => batch.ids[r * T]),
  );
  assert.throws(() => rowChunks(batch, T, 0), UserError);
  assert.throws(() => microBatchRowsFor(-1, 8), UserError);
  assert.throws(() => microBatchRowsFor(2.5, 8), UserError);
  assert.deepEqual([
    microBatchRowsFor(undefined, 8),
    microBatchRowsFor(0, 8),
    microBatchRowsFor(4, 4),
    microBatchRowsFor(3, 4),
  ], [undefined, undefined, undefined, 3]);
});

Deno.test("updateAgent with microBatchRows: the same update, deterministic, full and LoRA", async () => {
  const cfg = tinyLlamaConfig();
  const policy = randomPolicy(cfg, 11, 0.3);
  const mk = (p: number[], ids: number[], a: number): AgentSample => ({
    completion: {
      prompt: 0,
      sample: 0,
      promptIds: p,
      ids,
      text: "",
      logprobs: ids.map(() => -5.5),
      finish: "length",
    } as Completion,
    advantage: a,
  });
  // 5 samples: 8 rows after padding; rows of 2 → chunks 0–1, 2–3, 4 (rows 5–7 are padding)
  const samples = [
    mk([10, 11, 12], [20, 21, 22, 23], 1.5),
    mk([10, 11], [30, 31], -0.5),
    mk([13], [40], -1),
    mk([14, 15, 16, 17], [41, 42, 43], 0.7),
    mk([18], [44, 45, 46, 47, 48], -0.2),
  ];
  const opts = { lr: 1e-2, loss: { clipEps: 0.2 }, adam: { maxGradNorm: 0.1 }, innerIterations: 2 };
  const params = initLora({ ...cfg, lora: { r: 2, scale: 2, targets: ALL_PROJECTIONS } }, 5);
  for (const [n, t] of Object.entries(params)) {
    if (n.includes("lora_B")) (t.data as Float32Array).fill(0.01);
  }
  const agents = [
    policy,
    withAdapter(policy, { config: { r: 2, alpha: 4, targets: ALL_PROJECTIONS }, params }),
  ];
  for (const [i, agent] of agents.entries()) {
    const s0 = initTrainState(agent.adapter ? agent.adapter.params : agent.params);
    const want = await updateAgent(agent, s0, samples, opts);
    const got = await updateAgent(agent, s0, samples, { ...opts, microBatchRows: 2 });
    const again = await updateAgent(agent, s0, samples, { ...opts, microBatchRows: 2 });
    const what = i ? "LoRA" : "full";
    assert.ok(want.metrics.gradNorms[0] > 0.1, `${what}: clipping acts`);
    for (const k of ["losses", "gradNorms"] as const) {
      want.metrics[k].forEach((x, j) =>
        assert.ok(
          Math.abs(got.metrics[k][j] - x) <= 1e-5 * Math.abs(x),
          `${what} ${k}[${j}]: ${got.metrics[k][j]} vs ${x}`,
        )
      );
    }
    assert.ok(Math.abs(got.metrics.clipFraction! - want.metrics.clipFraction!) < 1e-6);
    for (const k of ["params", "m", "v"] as const) {
      const d = relDiff(got.state[k], want.state[k]);
      assert.ok(d < 1e-4, `${what} ${k}: relative difference ${d}`);
      for (const [n, t] of Object.entries(got.state[k])) {
        assert.deepEqual(t.data, again.state[k][n].data, `${what} ${k} ${n}: not deterministic`);
      }
    }
  }
  await assert.rejects(
    updateAgent(policy, initTrainState(policy.params), samples, { lr: 1e-2, microBatchRows: -2 }),
    UserError,
  );
});
