/**
 * Engine benchmark (not a unit test): the machine's ORT MatMul peak (2048³, float32) and the
 * train-step throughput of ~1M and ~10M-parameter models (B=8, T=128), as tokens/s and
 * GFLOP/s (6·params·tokens), with the ratio to the MatMul peak. Ends with one line
 * `train-step/peak: R` (R for the 10M model).
 *
 * Run: `deno run -A bench/engine.ts [--ep cpu|webgpu|cuda] [--steps N]`
 *
 * @module
 */
import { input, newGraph } from "../lib/engine/graph.ts";
import { matmul } from "../lib/engine/ops.ts";
import { grad } from "../lib/engine/grad.ts";
import type { Tensor } from "../lib/engine/graph.ts";
import type { HostTensor } from "../lib/engine/runtime.ts";
import type { Params } from "../lib/model/transformer.ts";
import { paramShapes } from "../lib/model/params.ts";
import { policyLossGraph } from "../lib/rl/loss_graph.ts";
import { ADAMW_DEFAULTS, adamwGraph } from "../lib/engine/adamw.ts";
import { toOnnx } from "../lib/engine/onnx.ts";
import { type ExecutionProvider, openSession } from "../lib/engine/runtime.ts";
import type { TransformerConfig } from "../lib/model/transformer.ts";
import { countParams, initParams } from "../lib/model/params.ts";
import { createTrainStep, type PgBatch } from "../lib/rl/train_step.ts";
import { initTrainState } from "../lib/engine/optim_step.ts";
import { makeRng, randInt } from "../lib/util/rng.ts";

const args = Deno.args;
const arg = (k: string, d: string) => {
  const i = args.indexOf(k);
  return i >= 0 ? args[i + 1] : d;
};
const ep = arg("--ep", "cpu") as ExecutionProvider;
const steps = Number(arg("--steps", "5"));

async function matmulPeak(): Promise<number> {
  const n = 2048;
  const g = newGraph("matmul");
  const y = matmul(input(g, "a", [n, n]), input(g, "b", [n, n]));
  const s = await openSession(toOnnx(g, { outputs: { y } }), { ep });
  const rng = makeRng("mm");
  const a = Float32Array.from({ length: n * n }, () => rng.next() - 0.5);
  const feeds = { a: { data: a, dims: [n, n] }, b: { data: a, dims: [n, n] } };
  await s.run(feeds);
  let best = Infinity;
  for (let i = 0; i < 5; i++) {
    const t0 = performance.now();
    await s.run(feeds);
    best = Math.min(best, performance.now() - t0);
  }
  await s.release();
  return (2 * n ** 3) / (best / 1000) / 1e9;
}

function randomBatch(vocab: number, b: number, t: number): PgBatch {
  const rng = makeRng("bench-batch");
  const ids = new BigInt64Array(b * t), targets = new BigInt64Array(b * t);
  const positions = new BigInt64Array(b * t);
  for (let i = 0; i < b * t; i++) {
    ids[i] = BigInt(randInt(rng, vocab));
    targets[i] = BigInt(randInt(rng, vocab));
    positions[i] = BigInt(i % t);
  }
  const adv = Float32Array.from(
    { length: b * t },
    (_, k) => (Math.floor(k / t) % 2 ? 1 : -1),
  );
  return {
    ids,
    targets,
    positions,
    attn: new Float32Array(b * t).fill(1),
    weights: new Float32Array(b * t).fill(1 / (b * t)),
    adv,
  };
}

async function trainThroughput(
  name: string,
  cfg: TransformerConfig,
  peak: number,
) {
  const [b, t] = [8, 128];
  const params = countParams(cfg);
  const t0 = performance.now();
  const step = await createTrainStep({ cfg, batch: b, seqLen: t }, { ep });
  const build = performance.now() - t0;
  let state = initTrainState(initParams(cfg, { seed: 0 }));
  const batch = randomBatch(cfg.vocabSize, b, t);
  for (let i = 0; i < 2; i++) {
    state = (await step.run(state, batch, 1e-4)).state;
  }
  const times: number[] = [];
  for (let i = 0; i < steps; i++) {
    const s0 = performance.now();
    state = (await step.run(state, batch, 1e-4)).state;
    times.push(performance.now() - s0);
  }
  await step.session.release();
  times.sort((x, y) => x - y);
  const ms = times[Math.floor(times.length / 2)];
  const tokS = (b * t) / (ms / 1000);
  const gflops = (6 * params * b * t) / (ms / 1000) / 1e9;
  console.log(
    `${name}: ${(params / 1e6).toFixed(2)}M params, B=${b} T=${t}: step ${
      ms.toFixed(1)
    } ms (median of ${steps}), ` +
      `${tokS.toFixed(0)} tokens/s, ${gflops.toFixed(1)} GFLOP/s, ratio to peak ${
        (gflops / peak).toFixed(2)
      } ` +
      `(graph build + session ${build.toFixed(0)} ms, ep ${step.session.ep})`,
  );
  return gflops / peak;
}

const base = {
  arch: "llama",
  maxPositions: 2048,
  ropeTheta: 10000,
  normEps: 1e-6,
  qkvBias: false,
  tieEmbeddings: true,
} as const;
const M1: TransformerConfig = {
  ...base,
  vocabSize: 512,
  hidden: 128,
  layers: 4,
  heads: 4,
  kvHeads: 2,
  headDim: 32,
  intermediate: 384,
};
const M10: TransformerConfig = {
  ...base,
  vocabSize: 512,
  hidden: 384,
  layers: 6,
  heads: 6,
  kvHeads: 2,
  headDim: 64,
  intermediate: 1024,
};

/** AdamW on `n` parameters: as a graph (one ORT call) and as a plain TypeScript loop. */
async function adamwCost(n: number) {
  const g = newGraph("adamw");
  const p = input(g, "p", [n]), gr = input(g, "g", [n]);
  const upd = adamwGraph([{ name: "p", param: p, grad: gr, decay: true }], {
    ...ADAMW_DEFAULTS,
    maxGradNorm: 0,
  });
  const s = await openSession(
    toOnnx(g, { outputs: { p2: upd.next.p.param, m2: upd.next.p.m, v2: upd.next.p.v } }),
    { ep },
  );
  const rng = makeRng("adamw");
  const data = () => Float32Array.from({ length: n }, () => rng.next() - 0.5);
  const [pp, gg, mm, vv] = [data(), data(), new Float32Array(n), new Float32Array(n)];
  const feeds = {
    p: { data: pp, dims: [n] },
    g: { data: gg, dims: [n] },
    "adam_m.p": { data: mm, dims: [n] },
    "adam_v.p": { data: vv, dims: [n] },
    lr: { data: Float32Array.of(1e-3), dims: [] },
    bias1: { data: Float32Array.of(0.1), dims: [] },
    bias2: { data: Float32Array.of(0.001), dims: [] },
  };
  await s.run(feeds);
  let graphMs = Infinity, loopMs = Infinity;
  for (let r = 0; r < 3; r++) {
    const t0 = performance.now();
    await s.run(feeds);
    graphMs = Math.min(graphMs, performance.now() - t0);
    const t1 = performance.now();
    for (let i = 0; i < n; i++) {
      const gi = gg[i];
      mm[i] = 0.9 * mm[i] + 0.1 * gi;
      vv[i] = 0.999 * vv[i] + 0.001 * gi * gi;
      pp[i] -= 1e-3 * ((mm[i] / 0.1) / (Math.sqrt(vv[i] / 0.001) + 1e-8) + 0.01 * pp[i]);
    }
    loopMs = Math.min(loopMs, performance.now() - t1);
  }
  await s.release();
  console.log(
    `AdamW on ${(n / 1e6).toFixed(2)}M parameters: graph ${
      graphMs.toFixed(1)
    } ms (incl. output copies), ` +
      `TypeScript loop ${loopMs.toFixed(1)} ms`,
  );
}

/** The 10M train step without the optimizer: loss + gradients as outputs (what a TS-side AdamW would need). */
async function gradsOnlyStep(cfg: TransformerConfig): Promise<number> {
  const [b, t] = [8, 128];
  const g = newGraph("grads_only");
  const params: Params = {};
  for (const [name, dims] of Object.entries(paramShapes(cfg))) params[name] = input(g, name, dims);
  const { loss } = policyLossGraph(cfg, params, b, t);
  const names = Object.keys(params);
  const grads = grad(loss, names.map((n) => params[n]));
  const outputs: Record<string, Tensor> = { loss };
  names.forEach((n, i) => (outputs[`grad.${n}`] = grads[i]));
  const s = await openSession(toOnnx(g, { outputs }), { ep });
  const batch = randomBatch(cfg.vocabSize, b, t), bt = [b, t];
  const feeds: Record<string, HostTensor> = {
    ...initParams(cfg, { seed: 0 }),
    ids: { data: batch.ids, dims: bt },
    targets: { data: batch.targets, dims: bt },
    positions: { data: batch.positions, dims: bt },
    attn: { data: batch.attn, dims: bt },
    weights: { data: batch.weights, dims: bt },
    adv: { data: batch.adv, dims: bt },
  };
  await s.run(feeds);
  const times: number[] = [];
  for (let i = 0; i < steps; i++) {
    const t0 = performance.now();
    await s.run(feeds);
    times.push(performance.now() - t0);
  }
  await s.release();
  return times.sort((x, y) => x - y)[Math.floor(times.length / 2)];
}

const peak = await matmulPeak();
console.log(
  `ORT MatMul peak (2048³ float32, ep ${ep}, best of 5): ${peak.toFixed(1)} GFLOP/s`,
);
await trainThroughput("~1M model", M1, peak);
const r = await trainThroughput("~10M model", M10, peak);
await adamwCost(countParams(M10));
console.log(
  `~10M model: loss + gradients only (no optimizer, gradients copied out): ${
    (await gradsOnlyStep(M10)).toFixed(1)
  } ms (median of ${steps})`,
);
console.log(`train-step/peak: ${r.toFixed(2)}`);
