// LoRA on the model side (lib/model/lora.ts, the transformer hook, inputs.ts, policy/feeds.ts):
// graph logits with adapters against the independent float64 reference run on hand-merged
// weights W + scale·B·A, base+adapter against mergeAdapter, a zero-B adapter against the
// base bit for bit, and the trainable-parameter plumbing.
import assert from "node:assert/strict";
import { type DType, input, newGraph } from "../lib/engine/graph.ts";
import { toOnnx } from "../lib/engine/onnx.ts";
import { type HostTensor, openSession } from "../lib/engine/runtime.ts";
import { initParams, isNormOrBias, type ParamStore } from "../lib/model/params.ts";
import { type TransformerConfig, transformerForward } from "../lib/model/transformer.ts";
import { initLora, type LoraConfig, loraShapes, withLoraConfig } from "../lib/model/lora.ts";
import { declareModelInputs, trainableShapes } from "../lib/model/inputs.ts";
import {
  mergeAdapter,
  trainableParams,
  withAdapter,
  withParams,
  withTrainable,
} from "../lib/policy/policy.ts";
import { modelFeeds } from "../lib/policy/feeds.ts";
import { computeLogits } from "../lib/policy/logits.ts";
import { sampleTokens } from "../lib/policy/sample.ts";
import { scoreCompletions } from "../lib/policy/score.ts";
import { makeRng, randInt, randNormal } from "../lib/util/rng.ts";
import { referenceForward, type RefInputs, type RefParams } from "./reference/forward_ref.ts";
import {
  ALL_PROJECTIONS,
  castFloat,
  PARITY_LLAMA,
  PARITY_QWEN2,
  randomPolicy,
  randomStore,
  tinyConfig,
} from "./fixtures.ts";

const LLAMA = PARITY_LLAMA, QWEN2 = PARITY_QWEN2; // llama: o_proj is not square
const QWEN3: TransformerConfig = {
  ...LLAMA,
  arch: "qwen3",
  headDim: 8, // explicit head_dim: heads·headDim = 32 ≠ hidden
  ropeTheta: 1e6,
  normEps: 1e-6,
  tieEmbeddings: false,
};
const T = 7;

/** Base weights ~ N(0, 0.3²), norms 1 + N(0, 0.3²), biases N(0, 0.3²), float64. */
function baseParams(cfg: TransformerConfig): ParamStore {
  const host = initParams(cfg, { seed: cfg.arch, std: 0.3, dtype: "float64" });
  const rng = makeRng(`lora-parity/${cfg.arch}`);
  for (const [name, p] of Object.entries(host)) {
    if (!isNormOrBias(name)) continue;
    const d = p.data as Float64Array;
    for (let i = 0; i < d.length; i++) d[i] += 0.3 * randNormal(rng);
  }
  return host;
}

/** Adapter tensors with every entry N(0, 0.3²) (B nonzero, so the adapter matters), float64. */
function adapterParams(cfg: TransformerConfig, seed: string): ParamStore {
  return randomStore(loraShapes(cfg), seed, 0.3);
}

/** W + scale·B·A by plain loops, written here independently of lib/model/lora.ts. */
function handMerge(
  cfg: TransformerConfig,
  base: ParamStore,
  ad: ParamStore,
  r: number,
  scale: number,
  targets: string[],
): ParamStore {
  const out: ParamStore = { ...base };
  for (let l = 0; l < cfg.layers; l++) {
    for (const t of targets) {
      const mod = `model.layers.${l}.${
        t.startsWith("gate") || t.startsWith("up") ||
          t.startsWith("down")
          ? "mlp"
          : "self_attn"
      }.${t}`;
      const w = base[`${mod}.weight`], a = ad[`${mod}.lora_A.weight`].data;
      const b = ad[`${mod}.lora_B.weight`].data;
      const [o, n] = w.dims, data = new Float64Array(o * n);
      for (let i = 0; i < o; i++) {
        for (let j = 0; j < n; j++) {
          let s = 0;
          for (let k = 0; k < r; k++) s += Number(b[i * r + k]) * Number(a[k * n + j]);
          data[i * n + j] = Number(w.data[i * n + j]) + scale * s;
        }
      }
      out[`${mod}.weight`] = { data, dims: [o, n] };
    }
  }
  return out;
}

/** Float parameters as the reference reads them. */
const asRef = (p: ParamStore) => p as unknown as RefParams;

function makeBatch(cfg: TransformerConfig): RefInputs {
  const rng = makeRng(`lora-batch/${cfg.arch}`);
  return {
    ids: [0, 1].map(() => Array.from({ length: T }, () => randInt(rng, cfg.vocabSize))),
    positions: [Array.from({ length: T }, (_, i) => 3 + i), [0, 0, 0, 1, 2, 3, 4]],
    attentionMask: [Array(T).fill(1), [0, 0, 1, 1, 1, 1, 1]],
  };
}

/** Logits of the graph built with declareModelInputs (base + adapter inputs). */
async function graphLogits(
  cfg: TransformerConfig,
  feeds: ParamStore,
  batch: RefInputs,
  dtype: DType,
): Promise<Float64Array> {
  const g = newGraph("lora_parity");
  const params = declareModelInputs(g, cfg, { dtype });
  const b = batch.ids.length;
  const { logits } = transformerForward(cfg, params, {
    ids: input(g, "ids", [b, T], "int64"),
    positions: input(g, "positions", [b, T], "int64"),
    bias: input(g, "bias", [b, 1, T, T], dtype),
  });
  const session = await openSession(toOnnx(g, { outputs: { logits } }), {
    optimization: dtype === "float64" ? "basic" : "all",
    threads: 1,
  });
  const bias = dtype === "float64" ? new Float64Array(b * T * T) : new Float32Array(b * T * T);
  for (let r = 0; r < b; r++) {
    for (let i = 0; i < T; i++) {
      for (let j = 0; j < T; j++) {
        bias[(r * T + i) * T + j] = j <= i && batch.attentionMask[r][j] === 1 ? 0 : -1e9;
      }
    }
  }
  const int64 = (rows: number[][]): HostTensor => ({
    data: BigInt64Array.from(rows.flat().map(BigInt)),
    dims: [b, T],
  });
  const out = await session.run({
    ...castFloat(feeds, dtype),
    ids: int64(batch.ids),
    positions: int64(batch.positions),
    bias: { data: bias, dims: [b, 1, T, T] },
  });
  await session.release();
  return Float64Array.from(out.logits.data as Float32Array);
}

function maxErr(a: Float64Array, ref: Float64Array, mask: number[][], v: number): number {
  let err = 0;
  mask.forEach((row, r) =>
    row.forEach((m, t) => {
      if (!m) return;
      for (let k = 0; k < v; k++) {
        err = Math.max(err, Math.abs(a[(r * T + t) * v + k] - ref[(r * T + t) * v + k]));
      }
    })
  );
  assert.ok(Number.isFinite(err));
  return err;
}

const CASES: [string, TransformerConfig, LoraConfig][] = [
  ["llama, all 7 targets", LLAMA, { r: 3, alpha: 5, targets: ALL_PROJECTIONS }],
  ["qwen2, q/v, rsLoRA", QWEN2, { r: 4, alpha: 6, targets: ["v_proj", "q_proj"], rslora: true }],
  ["qwen3, all 7 targets", QWEN3, { r: 2, alpha: 16, targets: ALL_PROJECTIONS }],
];

for (const [label, base, lc] of CASES) {
  Deno.test(`LoRA ${label}: graph logits match the float64 reference on W + scale·B·A`, async () => {
    const cfg = withLoraConfig(base, lc);
    const scale = lc.rslora ? lc.alpha / Math.sqrt(lc.r) : lc.alpha / lc.r;
    assert.equal(cfg.lora!.scale, scale);
    const host = baseParams(base), ad = adapterParams(cfg, `ad/${label}`);
    const batch = makeBatch(base);
    const merged = handMerge(base, host, ad, lc.r, scale, lc.targets);
    const ref = referenceForward(base, asRef(merged), batch);
    const refBase = referenceForward(base, asRef(host), batch);
    const err64 = maxErr(
      await graphLogits(cfg, { ...host, ...ad }, batch, "float64"),
      ref,
      batch.attentionMask,
      base.vocabSize,
    );
    // float32: the reference on the float32-rounded inputs
    const f32 = castFloat(castFloat({ ...host, ...ad }, "float32"), "float64");
    const ref32 = referenceForward(
      base,
      asRef(handMerge(base, f32, f32, lc.r, scale, lc.targets)),
      batch,
    );
    const err32 = maxErr(
      await graphLogits(cfg, { ...host, ...ad }, batch, "float32"),
      ref32,
      batch.attentionMask,
      base.vocabSize,
    );
    const moved = maxErr(ref, refBase, batch.attentionMask, base.vocabSize);
    console.log(
      `${label}: float64 err ${err64.toExponential(2)}, float32 err ${err32.toExponential(2)}, ` +
        `adapter moves logits by ${moved.toFixed(3)}`,
    );
    assert.ok(moved > 0.1, `the adapter barely matters: ${moved}`);
    assert.ok(err64 < 1e-9, `float64 max abs error ${err64}`);
    assert.ok(err32 < 1e-4, `float32 max abs error ${err32}`);
  });
}

const LC: LoraConfig = { r: 4, alpha: 8, targets: ["q_proj", "v_proj", "down_proj"] };

Deno.test("a zero-B adapter samples exactly the base's tokens and log-probs (bit for bit)", async () => {
  const base = randomPolicy(tinyConfig(), 7, 0.3);
  const agent = withAdapter(base, {
    config: LC,
    params: initLora(withLoraConfig(base.cfg, LC), 1),
  });
  const prompts = [[1, 2, 3, 4], [5, 6]];
  const opts = { numReturnSequences: 3, maxNewTokens: 12, temperature: 1, seed: 5 };
  const a = await sampleTokens(base, prompts, opts);
  const b = await sampleTokens(agent, prompts, opts);
  assert.deepEqual(b.map((c) => c.ids), a.map((c) => c.ids));
  assert.deepEqual(b.map((c) => c.logprobs), a.map((c) => c.logprobs));
});

Deno.test("logits and scores of base + adapter equal those of mergeAdapter (float32 tolerance)", async () => {
  const base = randomPolicy(tinyConfig(), 8, 0.3);
  const lcfg = withLoraConfig(base.cfg, LC);
  const params = initLora(lcfg, 2);
  const rng = makeRng("nonzero-B");
  for (const [n, t] of Object.entries(params)) {
    if (n.endsWith("lora_B.weight")) {
      for (let i = 0; i < t.data.length; i++) (t.data as Float32Array)[i] = 0.2 * randNormal(rng);
    }
  }
  const agent = withAdapter(base, { config: LC, params });
  const merged = mergeAdapter(agent);
  assert.equal(merged.adapter, undefined);
  assert.equal(merged.cfg.lora, undefined);
  const seqs = [[1, 2, 3, 4, 5, 6], [9, 8, 7, 6, 5, 4]];
  const [la, lm, lb] = await Promise.all([
    computeLogits(agent, seqs),
    computeLogits(merged, seqs),
    computeLogits(base, seqs),
  ]);
  let err = 0, moved = 0;
  for (let i = 0; i < la.length; i++) {
    err = Math.max(err, Math.abs(la[i] - lm[i]));
    moved = Math.max(moved, Math.abs(la[i] - lb[i]));
  }
  const sa = await scoreCompletions(agent, [{ promptIds: [1, 2], ids: [3, 4, 5] }]);
  const sm = await scoreCompletions(merged, [{ promptIds: [1, 2], ids: [3, 4, 5] }]);
  const serr = Math.max(...sa[0].map((x, i) => Math.abs(x - sm[0][i])));
  console.log(
    `adapter vs merged: logits ${err.toExponential(2)}, logp ${serr.toExponential(2)}; ` +
      `adapter moves logits by ${moved.toFixed(3)}`,
  );
  assert.ok(moved > 0.05, `adapter barely matters: ${moved}`);
  assert.ok(err < 1e-4, `max abs error ${err}`);
  assert.ok(serr < 1e-4, `max abs logp error ${serr}`);
  // greedy sampling goes through the adapter: the merged model's tokens, not the base's
  const greedy = { temperature: 0, maxNewTokens: 16, numReturnSequences: 2 };
  const [ga, gm, gb] = await Promise.all(
    [agent, merged, base].map((p) => sampleTokens(p, [[1, 2, 3]], greedy)),
  );
  assert.deepEqual(ga.map((c) => c.ids), gm.map((c) => c.ids));
  assert.notDeepEqual(ga[0].ids, gb[0].ids);
});

Deno.test("trainable parameters: the adapter's for a LoRA policy, all otherwise; base never copied", () => {
  const base = randomPolicy(tinyConfig(), 9);
  const lcfg = withLoraConfig(base.cfg, LC);
  const a0 = withAdapter(base, { config: LC, params: initLora(lcfg, "a0") });
  const a1 = withAdapter(base, { config: LC, params: initLora(lcfg, "a1") });
  assert.equal(a0.params, base.params);
  assert.equal(
    modelFeeds(a0)["model.embed_tokens.weight"].data,
    modelFeeds(a1)["model.embed_tokens.weight"].data,
  );
  assert.deepEqual(Object.keys(trainableParams(a0)), Object.keys(trainableShapes(lcfg)));
  // 2 layers × (q [32,32]: 4·32 + 32·4, v [16,32]: 4·32 + 16·4, down [32,64]: 4·64 + 32·4)
  const n = Object.values(trainableParams(a0)).reduce((s, t) => s + t.data.length, 0);
  assert.equal(n, 2 * (4 * 32 + 32 * 4 + 4 * 32 + 16 * 4 + 4 * 64 + 32 * 4));
  assert.notEqual(
    trainableParams(a0)["model.layers.0.self_attn.q_proj.lora_A.weight"].data[0],
    trainableParams(a1)["model.layers.0.self_attn.q_proj.lora_A.weight"].data[0],
  );
  const next = initLora(lcfg, "next");
  const b0 = withTrainable(a0, next);
  assert.equal(trainableParams(b0), next);
  assert.equal(b0.params, base.params);
  assert.equal(trainableParams(base), base.params);
  const full = withTrainable(base, a0.params);
  assert.equal(full.params, a0.params);
  assert.deepEqual(withParams(base, base.params).params, base.params);
  // a config with lora but no adapter, and a mismatched adapter, are refused
  assert.throws(() => modelFeeds({ ...base, cfg: lcfg }), /no adapter/);
  assert.throws(
    () => modelFeeds({ ...a0, adapter: { ...a0.adapter!, config: { ...LC, r: 2 } } }),
    /does not match/,
  );
  assert.throws(() => withAdapter(base, { config: { ...LC, r: 2 }, params: next }), /shape/);
  assert.throws(
    () =>
      withAdapter(randomPolicy(tinyConfig({ arch: "gpt2", kvHeads: 4 }), 1), {
        config: LC,
        params: next,
      }),
    /gpt2/,
  );
});

Deno.test("initLora: A uniform on ±1/√in (PEFT's kaiming-uniform, a = √5), B zero, seeded", () => {
  const cfg = withLoraConfig(QWEN2, { r: 64, alpha: 1, targets: ["down_proj"] });
  const p = initLora(cfg, "s"), q = initLora(cfg, "s"), other = initLora(cfg, "t");
  const a = p["model.layers.0.mlp.down_proj.lora_A.weight"];
  assert.deepEqual(a.dims, [64, 24]);
  const bound = 1 / Math.sqrt(24), xs = Array.from(a.data as Float32Array);
  const mean = xs.reduce((s, x) => s + x, 0) / xs.length;
  const variance = xs.reduce((s, x) => s + x * x, 0) / xs.length;
  assert.ok(xs.every((x) => Math.abs(x) <= bound));
  assert.ok(Math.abs(mean) < 0.02, `mean ${mean}`);
  // uniform on [−c, c]: variance c²/3 (1536 draws: within 10%)
  assert.ok(Math.abs(variance / (bound * bound / 3) - 1) < 0.1, `variance ${variance}`);
  assert.deepEqual(q["model.layers.0.mlp.down_proj.lora_A.weight"].data, a.data);
  assert.notDeepEqual(other["model.layers.0.mlp.down_proj.lora_A.weight"].data, a.data);
  assert.ok(p["model.layers.1.mlp.down_proj.lora_B.weight"].data.every((x) => x === 0));
});
