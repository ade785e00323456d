// Row-chunked LM head + log-softmax + target gather: values against a float64 reference written
// here, gradients against finite differences, and the policy loss graph chunked vs unchunked.
import assert from "node:assert/strict";
import { input, newGraph, type Tensor } from "../lib/engine/graph.ts";
import { grad } from "../lib/engine/grad.ts";
import { gradCheck } from "../lib/engine/gradcheck.ts";
import { chunkedLogProbs } from "../lib/engine/nn.ts";
import { toOnnx } from "../lib/engine/onnx.ts";
import { mul, reduceSum } from "../lib/engine/ops.ts";
import { type HostTensor, openSession } from "../lib/engine/runtime.ts";
import { initParams, paramShapes } from "../lib/model/params.ts";
import type { Params, TransformerConfig } from "../lib/model/transformer.ts";
import { policyLossGraph } from "../lib/policy/loss_graph.ts";
import { makeRng, randInt, randNormal } from "../lib/util/rng.ts";
import { microConfig } from "./fixtures.ts";

const N = 7, H = 4, V = 5;

function opValues(): Record<string, HostTensor> {
  const rng = makeRng("chunked-op");
  const normal = (n: number) => Float64Array.from({ length: n }, () => randNormal(rng));
  return {
    h: { data: normal(N * H), dims: [N, H] },
    head: { data: normal(V * H), dims: [V, H] },
    t: { data: BigInt64Array.from({ length: N }, () => BigInt(randInt(rng, V))), dims: [N] },
    w: { data: normal(N), dims: [N] },
  };
}

/** log softmax(h @ headᵀ)[t] row by row, in plain float64 JS. */
function referenceLogp(v: Record<string, HostTensor>): number[] {
  const h = v.h.data as Float64Array, head = v.head.data as Float64Array;
  const t = v.t.data as BigInt64Array;
  return Array.from({ length: N }, (_, r) => {
    const z = Array.from({ length: V }, (_, j) => {
      let s = 0;
      for (let k = 0; k < H; k++) s += h[r * H + k] * head[j * H + k];
      return s;
    });
    const m = Math.max(...z);
    const lse = m + Math.log(z.reduce((a, x) => a + Math.exp(x - m), 0));
    return z[Number(t[r])] - lse;
  });
}

for (const rows of [1, 3, 7]) {
  Deno.test(`chunkedLogProbs (${rows} rows per chunk): values match a float64 reference, gradients match finite differences`, async () => {
    const g = newGraph("chunked");
    const h = input(g, "h", [N, H], "float64"), head = input(g, "head", [V, H], "float64");
    const lp = chunkedLogProbs(h, head, input(g, "t", [N], "int64"), rows);
    const loss = reduceSum(mul(lp, input(g, "w", [N], "float64")));
    const values = opValues();
    const s = await openSession(toOnnx(g, { outputs: { lp } }), { optimization: "basic" });
    const got = Array.from(((await s.run(values)).lp.data) as Float64Array);
    await s.release();
    const want = referenceLogp(values);
    for (let i = 0; i < N; i++) assert.ok(Math.abs(got[i] - want[i]) < 1e-12, `row ${i}`);
    const r = await gradCheck(g, loss, [h, head], values);
    assert.ok(r.maxRelError < 1e-6, `max relative error ${r.maxRelError}`);
  });
}

const CFG: TransformerConfig = microConfig({ vocabSize: 11 });

/** logp and every parameter gradient of the policy loss, with or without chunking. */
async function lossAndGrads(
  cfg: TransformerConfig,
  chunkRows: number | undefined,
  select?: number,
): Promise<Record<string, HostTensor>> {
  const [b, t] = [2, 6];
  const g = newGraph("loss");
  const params: Params = {};
  for (const [name, dims] of Object.entries(paramShapes(cfg))) {
    params[name] = input(g, name, dims, "float64");
  }
  const { loss, logp } = policyLossGraph(cfg, params, b, t, {
    clipEps: 0.2,
    klBeta: 0.1,
    logitChunkRows: chunkRows,
  }, select);
  const names = Object.keys(params);
  const grads = grad(loss, names.map((n) => params[n]));
  const outputs: Record<string, Tensor> = { logp, loss };
  names.forEach((n, i) => (outputs[`grad.${n}`] = grads[i]));
  const rng = makeRng("chunked-loss");
  const k = select ?? b * t, bt = [b, t];
  const ints = (n: number, hi: number) =>
    BigInt64Array.from({ length: n }, () => BigInt(randInt(rng, hi)));
  const floats = (n: number, f: () => number) => Float64Array.from({ length: n }, f);
  const values: Record<string, HostTensor> = {
    ...initParams(cfg, { seed: 3, std: 0.5, dtype: "float64" }),
    ids: { data: ints(b * t, cfg.vocabSize), dims: bt },
    positions: { data: BigInt64Array.from({ length: b * t }, (_, i) => BigInt(i % t)), dims: bt },
    attn: { data: floats(b * t, () => 1), dims: bt },
    targets: { data: ints(k, cfg.vocabSize), dims: [k] },
    weights: { data: floats(k, () => Math.abs(randNormal(rng))), dims: [k] },
    adv: { data: floats(k, () => randNormal(rng)), dims: [k] },
    old_logp: { data: floats(k, () => -2.4 + 0.3 * randNormal(rng)), dims: [k] },
    ref_logp: { data: floats(k, () => -2.4 + 0.3 * randNormal(rng)), dims: [k] },
  };
  if (select) {
    values.sel = {
      data: BigInt64Array.from({ length: k }, (_, i) => BigInt(2 * i + 1)),
      dims: [k],
    };
  } else {
    for (const n of ["targets", "weights", "adv", "old_logp", "ref_logp"]) values[n].dims = bt;
  }
  const s = await openSession(toOnnx(g, { outputs }), { optimization: "basic", threads: 1 });
  const out = await s.run(values);
  await s.release();
  return out;
}

function maxAbsDiff(a: Record<string, HostTensor>, b: Record<string, HostTensor>): number {
  let m = 0;
  for (const [k, t] of Object.entries(a)) {
    const x = t.data as Float64Array, y = b[k].data as Float64Array;
    assert.equal(x.length, y.length, k);
    for (let i = 0; i < x.length; i++) m = Math.max(m, Math.abs(x[i] - y[i]));
  }
  return m;
}

for (
  const [label, cfg, select] of [
    ["untied head", CFG, undefined],
    ["tied head", { ...CFG, arch: "llama", qkvBias: false, tieEmbeddings: true }, undefined],
    ["selected rows", CFG, 5],
    ["gpt2", { ...CFG, arch: "gpt2", heads: 2, kvHeads: 2, headDim: 4, tieEmbeddings: true }, 5],
  ] as [string, TransformerConfig, number | undefined][]
) {
  Deno.test(`policy loss (${label}): chunked logp and gradients equal the unchunked ones (float64)`, async () => {
    const whole = await lossAndGrads(cfg, undefined, select);
    const chunked = await lossAndGrads(cfg, 2, select);
    const d = maxAbsDiff(whole, chunked);
    console.log(
      `${label}: max |chunked − unchunked| over logp, loss and gradients ${d.toExponential(2)}`,
    );
    assert.ok(d < 1e-6, `max |difference| ${d}`);
    assert.ok(Math.abs(Number(whole.loss.data[0])) > 1e-3); // a loss that is not trivially 0
  });
}

Deno.test("a train graph with chunked logits carries the recompute marker (no CSE), an unchunked one does not", async () => {
  const { buildTrainGraph } = await import("../lib/rl/train_step.ts");
  const { RECOMPUTE_MARKER } = await import("../lib/engine/onnx.ts");
  const marked = (logitChunkRows?: number) =>
    new TextDecoder().decode(
      buildTrainGraph({ cfg: CFG, batch: 2, seqLen: 6, loss: { logitChunkRows } }),
    ).includes(RECOMPUTE_MARKER);
  assert.deepEqual([marked(4), marked(undefined)], [true, false]);
});
