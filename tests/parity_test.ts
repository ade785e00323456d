// Parity of the transformer graph (lib/model/transformer.ts, emitted to ONNX and run by
// onnxruntime) with an independent plain-loop float64 reference of the Hugging Face
// definitions (tests/reference/forward_ref.ts), for llama, qwen2, qwen3 and gpt2.
import assert from "node:assert/strict";
import { type DType, input, newGraph } from "../lib/engine/graph.ts";
import { toOnnx } from "../lib/engine/onnx.ts";
import { type HostTensor, openSession } from "../lib/engine/runtime.ts";
import { initParams, isNormOrBias, paramShapes } from "../lib/model/params.ts";
import {
  type Params,
  type TransformerConfig,
  transformerForward,
} from "../lib/model/transformer.ts";
import { makeRng, randInt, randNormal } from "../lib/util/rng.ts";
import {
  referenceForward,
  type RefInputs,
  type RefParams,
  type RefVariant,
} from "./reference/forward_ref.ts";
import { castFloat, PARITY_LLAMA, PARITY_QWEN2 } from "./fixtures.ts";

const LLAMA = PARITY_LLAMA, QWEN2 = PARITY_QWEN2; // llama: o_proj is not square
/** Qwen3: explicit head_dim (heads·headDim = 32 ≠ hidden), per-head q/k norm, no bias. */
const QWEN3: TransformerConfig = {
  ...LLAMA,
  arch: "qwen3",
  headDim: 8,
  ropeTheta: 1e6,
  normEps: 1e-6,
  qkvBias: false,
  tieEmbeddings: true,
};
const GPT2: TransformerConfig = {
  ...LLAMA,
  arch: "gpt2",
  heads: 4,
  kvHeads: 4,
  headDim: 4,
  intermediate: 64,
  qkvBias: true,
  tieEmbeddings: true,
};
const MODELS = { llama: LLAMA, qwen2: QWEN2, qwen3: QWEN3, gpt2: GPT2 };
const T = 7;

/** Weights ~ N(0, 0.3²); norm weights 1 + N(0, 0.3²) and biases N(0, 0.3²), so all matter. */
function makeParams(cfg: TransformerConfig): Record<string, HostTensor> {
  const host = initParams(cfg, { seed: cfg.arch, std: 0.3, dtype: "float64" });
  const rng = makeRng(`parity/${cfg.arch}`);
  for (const [name, p] of Object.entries(host)) {
    if (!isNormOrBias(name)) continue;
    for (let i = 0; i < p.data.length; i++) {
      (p.data as Float64Array)[i] += 0.3 * randNormal(rng);
    }
  }
  return host;
}

/**
 * Three rows of length 7: row 0 real at positions 5..11 (rotary away from 0), row 1
 * right-padded (5 real tokens, positions 0..4), row 2 left-padded (2 pads, then 5 real tokens
 * at positions 0..4: padded keys precede real queries, so key masking is exercised). Padding
 * tokens are random ids, so a leak through the mask would change the logits.
 */
function makeBatch(cfg: TransformerConfig): RefInputs {
  const rng = makeRng(`parity-batch/${cfg.arch}`);
  const ids = [0, 1, 2].map(() => Array.from({ length: T }, () => randInt(rng, cfg.vocabSize)));
  const real = [
    Array(T).fill(1),
    [1, 1, 1, 1, 1, 0, 0],
    [0, 0, 1, 1, 1, 1, 1],
  ];
  const positions = [
    Array.from({ length: T }, (_, i) => 5 + i),
    [0, 1, 2, 3, 4, 4, 4],
    [0, 0, 0, 1, 2, 3, 4],
  ];
  return { ids, positions, attentionMask: real };
}

/**
 * Additive bias `[B, 1, Tq, past + Tq]`: 0 where query `i` (absolute index past + i) may see
 * key `s` (causal and `mask[s] = 1`), −1e9 elsewhere.
 */
function biasData(
  mask: number[][],
  tq: number,
  past: number,
  dtype: DType,
): HostTensor {
  const s = past + tq, b = mask.length;
  const data = dtype === "float64" ? new Float64Array(b * tq * s) : new Float32Array(b * tq * s);
  for (let r = 0; r < b; r++) {
    for (let i = 0; i < tq; i++) {
      for (let j = 0; j < s; j++) {
        const ok = j <= past + i && mask[r][j] === 1;
        data[(r * tq + i) * s + j] = ok ? 0 : -1e9;
      }
    }
  }
  return { data, dims: [b, 1, tq, s] };
}

const int64 = (rows: number[][]): HostTensor => ({
  data: BigInt64Array.from(rows.flat().map(BigInt)),
  dims: [rows.length, rows[0].length],
});

/**
 * Runs the graph on `batch` columns `[from, to)`, optionally with a K/V cache of the columns
 * before `from` (and logits of the last column only when `lastOnly`); returns logits and the
 * new cache as host tensors.
 */
async function runGraph(
  cfg: TransformerConfig,
  host: Record<string, HostTensor>,
  batch: RefInputs,
  dtype: DType,
  from = 0,
  to = T,
  past: HostTensor[] = [],
  lastOnly = false,
): Promise<Record<string, HostTensor>> {
  const g = newGraph("parity");
  const params: Params = {};
  for (const [name, dims] of Object.entries(paramShapes(cfg))) {
    params[name] = input(g, name, dims, dtype);
  }
  const b = batch.ids.length, tq = to - from;
  const cols = (rows: number[][]) => rows.map((r) => r.slice(from, to));
  const kv = (i: number) => input(g, `past${i}`, [b, cfg.kvHeads, from, cfg.headDim], dtype);
  const { logits, present } = transformerForward(cfg, params, {
    ids: input(g, "ids", [b, tq], "int64"),
    positions: input(g, "positions", [b, tq], "int64"),
    bias: input(g, "bias", [b, 1, tq, to], dtype),
    past: past.length
      ? Array.from(
        { length: cfg.layers },
        (_, l) => ({ key: kv(2 * l), value: kv(2 * l + 1) }),
      )
      : undefined,
    lastOnly,
  });
  const outputs: Record<string, typeof logits> = { logits };
  present.forEach((c, l) => {
    outputs[`present${2 * l}`] = c.key;
    outputs[`present${2 * l + 1}`] = c.value;
  });
  const session = await openSession(toOnnx(g, { outputs }), {
    optimization: dtype === "float64" ? "basic" : "all",
    threads: 1,
  });
  const feeds: Record<string, HostTensor> = {
    ...castFloat(host, dtype),
    ids: int64(cols(batch.ids)),
    positions: int64(cols(batch.positions)),
    bias: biasData(
      batch.attentionMask.map((r) => r.slice(0, to)),
      tq,
      from,
      dtype,
    ),
  };
  past.forEach((p, i) => (feeds[`past${i}`] = p));
  const out = await session.run(feeds);
  await session.release();
  return out;
}

/** Reference parameters: exactly the values the graph was fed (float32-rounded for float32). */
function refParams(host: Record<string, HostTensor>, dtype: DType): RefParams {
  return castFloat(castFloat(host, dtype), "float64");
}

/** The float elements of a graph output as float64. */
function floats(t: HostTensor): Float64Array {
  assert.ok(
    t.data instanceof Float32Array || t.data instanceof Float64Array,
    "expected a float output",
  );
  return Float64Array.from(t.data);
}

/** Max |a − b| over the real positions of columns `[from, to)` (`a` holds only those columns). */
function maxAbsError(
  a: Float64Array,
  b: Float64Array,
  mask: number[][],
  vocab: number,
  from = 0,
  to = T,
): number {
  let err = 0, compared = 0;
  mask.forEach((row, r) => {
    for (let t = from; t < to; t++) {
      if (row[t] !== 1) continue;
      for (let v = 0; v < vocab; v++) {
        const x = a[(r * (to - from) + t - from) * vocab + v];
        const y = b[(r * T + t) * vocab + v];
        err = Math.max(err, Math.abs(x - y));
        compared++;
      }
    }
  });
  assert.ok(compared > 0 && Number.isFinite(err), "nothing compared / NaN");
  return err;
}

async function parity(
  name: keyof typeof MODELS,
  dtype: DType,
  variant: RefVariant = {},
) {
  const cfg = MODELS[name], host = makeParams(cfg), batch = makeBatch(cfg);
  const out = await runGraph(cfg, host, batch, dtype);
  const ref = referenceForward(cfg, refParams(host, dtype), batch, variant);
  const scale = ref.reduce((m, v) => Math.max(m, Math.abs(v)), 0);
  return {
    err: maxAbsError(
      floats(out.logits),
      ref,
      batch.attentionMask,
      cfg.vocabSize,
    ),
    scale,
  };
}

for (const name of ["llama", "qwen2", "qwen3", "gpt2"] as const) {
  Deno.test(`${name}: float64 graph logits match the HF-definition reference (< 1e-9)`, async () => {
    const { err, scale } = await parity(name, "float64");
    console.log(
      `${name} float64: max abs error ${err.toExponential(2)} (max |logit| ${scale.toFixed(2)})`,
    );
    assert.ok(scale > 1, `logits too small to be a test: ${scale}`);
    assert.ok(err < 1e-9, `max abs error ${err}`);
  });

  Deno.test(`${name}: float32 graph logits match the float64 reference (< 1e-4)`, async () => {
    const { err } = await parity(name, "float32");
    console.log(`${name} float32: max abs error ${err.toExponential(2)}`);
    assert.ok(err < 1e-4, `max abs error ${err}`);
  });
}

Deno.test("the parity test can fail: deliberately wrong references differ by > 1e-3", async () => {
  const wrong: [keyof typeof MODELS, RefVariant][] = [
    ["llama", { rotary: "interleaved" }],
    ["llama", { scaleScores: false }],
    ["llama", { kvGrouping: "tiled" }],
    ["qwen2", { rotary: "interleaved" }],
    ["qwen3", { qkNorm: "after_rope" }],
    ["qwen3", { qkNorm: "skip" }],
    ["gpt2", { scaleScores: false }],
  ];
  for (const [name, variant] of wrong) {
    const { err } = await parity(name, "float64", variant);
    console.log(
      `${name} vs wrong reference ${JSON.stringify(variant)}: max abs error ${
        err.toExponential(2)
      }`,
    );
    assert.ok(err > 1e-3, `${name} ${JSON.stringify(variant)}: only ${err}`);
  }
  // A reference that attends to padded keys (mask all ones) differs on the left-padded row.
  const cfg = LLAMA, host = makeParams(cfg), batch = makeBatch(cfg);
  const out = await runGraph(cfg, host, batch, "float64");
  const leaky = referenceForward(cfg, refParams(host, "float64"), {
    ...batch,
    attentionMask: batch.attentionMask.map((r) => r.map(() => 1)),
  });
  const err = maxAbsError(
    floats(out.logits),
    leaky,
    batch.attentionMask,
    cfg.vocabSize,
  );
  console.log(
    `llama vs reference ignoring key padding: ${err.toExponential(2)}`,
  );
  assert.ok(err > 1e-3, `ignoring key padding: only ${err}`);
});

Deno.test("K/V-cache decoding (past of 4 tokens, 3 new) matches the full-sequence reference", async () => {
  for (const name of ["qwen2", "qwen3", "gpt2"] as const) {
    const cfg = MODELS[name], host = makeParams(cfg), batch = makeBatch(cfg);
    const first = await runGraph(cfg, host, batch, "float64", 0, 4);
    const past = Array.from(
      { length: 2 * cfg.layers },
      (_, i) => first[`present${i}`],
    );
    assert.deepEqual(past[0].dims, [3, cfg.kvHeads, 4, cfg.headDim]);
    const second = await runGraph(cfg, host, batch, "float64", 4, T, past);
    const ref = referenceForward(cfg, refParams(host, "float64"), batch);
    const mask = batch.attentionMask, v = cfg.vocabSize;
    const err = Math.max(
      maxAbsError(floats(first.logits), ref, mask, v, 0, 4),
      maxAbsError(floats(second.logits), ref, mask, v, 4, T),
    );
    console.log(
      `${name} KV-cache float64: max abs error ${err.toExponential(2)}`,
    );
    assert.ok(err < 1e-9, `max abs error ${err}`);
  }
});

Deno.test("lastOnly logits [B, V] equal the reference at the last column (rows whose last token is real)", async () => {
  const cfg = QWEN2, host = makeParams(cfg), batch = makeBatch(cfg);
  const out = await runGraph(cfg, host, batch, "float64", 0, T, [], true);
  assert.deepEqual(out.logits.dims, [3, cfg.vocabSize]);
  const ref = referenceForward(cfg, refParams(host, "float64"), batch);
  const mask = batch.attentionMask.map((r) => r.map((m, t) => t === T - 1 ? m : 0));
  const err = maxAbsError(
    floats(out.logits),
    ref,
    mask,
    cfg.vocabSize,
    T - 1,
    T,
  );
  console.log(`qwen2 lastOnly float64: max abs error ${err.toExponential(2)}`);
  assert.ok(err < 1e-9, `max abs error ${err}`);
});
