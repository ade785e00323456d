// A float16-stored frozen base (loadPolicy(dir, { baseDtype: "float16" })): logits against the
// float32 base within a derived bound, half the bytes, bf16 → f16 conversion counts checked
// against a float64 representability test written here, full fine-tuning refused, LoRA trains.
import assert from "node:assert/strict";
import { loadPolicy, savePolicy, type StoredPolicy } from "../lib/policy/load.ts";
import { computeLogits } from "../lib/policy/logits.ts";
import { trainableShapes } from "../lib/model/inputs.ts";
import { initLora, withLoraConfig } from "../lib/model/lora.ts";
import { initTrainState } from "../lib/engine/optim_step.ts";
import { buildTrainGraph, createTrainStep } from "../lib/rl/train_step.ts";
import { RECOMPUTE_MARKER } from "../lib/engine/onnx.ts";
import { toFloat16 } from "../lib/model/half_base.ts";
import { randomPolicy, tinyLlamaConfig } from "./fixtures.ts";

const SEQS = [[1, 5, 9, 200, 33, 7], [256, 2, 3, 4, 5, 6]];

async function folder(dtype: "F32" | "F16" | "BF16", std = 0.2): Promise<string> {
  const p = randomPolicy(tinyLlamaConfig(), 3, std);
  for (const name of Object.keys(p.params)) p.storage.dtypes[name] = dtype;
  const dir = await Deno.makeTempDir({ prefix: `half_${dtype}_` });
  await savePolicy(p, dir);
  return dir;
}

const bytes = (p: StoredPolicy) =>
  Object.values(p.params).reduce((s, t) => s + t.data.byteLength, 0);

function maxAbsDiff(a: Float32Array, b: Float32Array): number {
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] - b[i]));
  return m;
}

/**
 * A first-order bound on |logit(f16 weights) − logit(f32 weights)| for the tied llama: each of
 * the k = 9·layers + 3 weight tensors on a path from token to logit (embedding, per layer 2 norms
 * and 7 projections, the final norm, the tied head) is rounded with relative error ≤ u = 2⁻¹¹, so
 * a logit moves by at most k·u times the magnitude of its terms, which Cauchy–Schwarz bounds by
 * max_v ‖e_v‖ · ‖n‖ with ‖n‖ ≤ √H · max|g| (the final RMSNorm output: unit RMS times its weight g).
 */
function halfBound(p: StoredPolicy): number {
  const { hidden: h, vocabSize: v, layers } = p.cfg;
  const e = p.params["model.embed_tokens.weight"].data as Float32Array;
  let maxRow = 0;
  for (let r = 0; r < v; r++) {
    let s = 0;
    for (let k = 0; k < h; k++) s += e[r * h + k] ** 2;
    maxRow = Math.max(maxRow, Math.sqrt(s));
  }
  const g = p.params["model.norm.weight"].data as Float32Array;
  const maxG = g.reduce((m, x) => Math.max(m, Math.abs(x)), 0);
  return (9 * layers + 3) * 2 ** -11 * maxRow * Math.sqrt(h) * maxG;
}

Deno.test("float16 base: logits match the float32 base within the derived bound, with half the bytes", async () => {
  const dir = await folder("F32");
  const p32 = await loadPolicy(dir), p16 = await loadPolicy(dir, { baseDtype: "float16" });
  assert.equal(p16.cfg.baseDtype, "float16");
  assert.ok(Object.values(p16.params).every((t) => t.data instanceof Uint16Array));
  assert.equal(bytes(p16) * 2, bytes(p32));
  const l32 = await computeLogits(p32, SEQS), l16 = await computeLogits(p16, SEQS);
  const d = maxAbsDiff(l32, l16), bound = halfBound(p32);
  console.log(
    `f16 vs f32 base: max |Δlogit| ${d.toExponential(2)}, bound ${bound.toExponential(2)}`,
  );
  assert.ok(d > 0 && d < bound, `max |Δlogit| ${d} vs bound ${bound}`);
  await Deno.remove(dir, { recursive: true });
});

Deno.test("float16 base from an F16 checkpoint: widening inside the graph equals widening in JS", async () => {
  const dir = await folder("F16");
  const wide = await loadPolicy(dir), half = await loadPolicy(dir, { baseDtype: "float16" });
  assert.deepEqual(half.storage.half, {
    values: bytes(wide) / 4,
    overflow: 0,
    underflow: 0,
    inexact: 0,
  });
  // Saving a float16 base writes the stored F16 values back unchanged.
  const copy = await Deno.makeTempDir({ prefix: "half_copy_" });
  await savePolicy(half, copy);
  const again = await loadPolicy(copy);
  for (const [n, t] of Object.entries(wide.params)) {
    assert.deepEqual(again.params[n].data, t.data, n);
  }
  await Deno.remove(copy, { recursive: true });
  const a = await computeLogits(wide, SEQS), b = await computeLogits(half, SEQS);
  // The same float32 values reach the same kernels: only float32 summation order may differ.
  const d = maxAbsDiff(a, b), scale = Math.max(...a.map(Math.abs));
  assert.ok(d <= 1e-6 * scale, `max |Δlogit| ${d}`);
  await Deno.remove(dir, { recursive: true });
});

/** Whether a float64 value is exactly a float16 value (normal, subnormal or zero; finite). */
function isF16(x: number): boolean {
  const a = Math.abs(x);
  if (a === 0) return true;
  if (a > 65504) return false;
  const e = Math.max(Math.floor(Math.log2(a)), -14); // subnormals share the exponent −14
  const m = a / 2 ** (e - 10); // 11 significant bits: an integer below 2048
  return Number.isInteger(m) && m < 2048;
}

Deno.test("bf16 checkpoint → float16 base: exactly the values float16 cannot hold are counted", async () => {
  const dir = await folder("BF16", 2e-5); // many weights below 2⁻¹⁴: float16 subnormals
  const wide = await loadPolicy(dir), half = await loadPolicy(dir, { baseDtype: "float16" });
  let inexact = 0, underflow = 0, n = 0;
  for (const t of Object.values(wide.params)) {
    for (const x of t.data as Float32Array) {
      n++;
      if (isF16(x)) continue;
      if (Math.abs(x) <= 2 ** -25) underflow++; // 2⁻²⁵ ties to even: 0
      else inexact++;
    }
  }
  console.log(`bf16 → f16: ${n} values, ${inexact} rounded, ${underflow} underflow`);
  assert.ok(inexact > 0 && underflow > 0);
  assert.deepEqual(half.storage.half, { values: n, overflow: 0, underflow, inexact });
  // Values outside float16's range: one overflow, one underflow, one subnormal rounding.
  const bf = new Uint16Array([0x4780, 0x3089, 0x3681, 0x3f80]); // 65536, ~1e-9, 2⁻¹⁸+2⁻²⁵, 1
  const { stats } = toFloat16({ dtype: "BF16", shape: [4], data: bf });
  assert.deepEqual(stats, { values: 4, overflow: 1, underflow: 1, inexact: 1 });
  // In place (what the loader does): the same bits, written over the BF16 array itself.
  const copy = toFloat16({ dtype: "BF16", shape: [4], data: bf }).data;
  const own = toFloat16({ dtype: "BF16", shape: [4], data: bf }, { inPlace: true }).data;
  assert.ok(own === bf);
  assert.deepEqual([...own], [...copy]);
  assert.deepEqual([...copy], [0x7c00, 0, 0x0040, 0x3c00]); // +inf, 0, 2⁻¹⁸ (subnormal 64·2⁻²⁴), 1
  await Deno.remove(dir, { recursive: true });
});

Deno.test("float16 base: full fine-tuning is refused, a LoRA step trains over it", async () => {
  const dir = await folder("F16");
  const wide = await loadPolicy(dir), half = await loadPolicy(dir, { baseDtype: "float16" });
  assert.throws(() => trainableShapes(half.cfg), /full fine-tuning needs float32 weights/);
  const lora = { r: 2, alpha: 4, targets: ["q_proj", "v_proj", "down_proj"] };
  const [b, t] = [2, 6];
  const batch = {
    ids: BigInt64Array.from(SEQS.flat(), BigInt),
    targets: BigInt64Array.from(SEQS.flatMap((s) => [...s.slice(1), 0]), BigInt),
    positions: BigInt64Array.from({ length: b * t }, (_, i) => BigInt(i % t)),
    attn: new Float32Array(b * t).fill(1),
    weights: new Float32Array(b * t).fill(1 / (b * t)),
    adv: Float32Array.from({ length: b * t }, (_, i) => (i < t ? 1 : -1)),
  };
  const run = async (p: StoredPolicy) => {
    const cfg = withLoraConfig(p.cfg, lora);
    const step = await createTrainStep({ cfg, batch: b, seqLen: t });
    const state = initTrainState(initLora(cfg, 5));
    const r = await step.run(state, batch, 1e-2, p.params);
    await step.session.release();
    return r;
  };
  // The backward pass re-widens the base (its own Casts, kept apart by the model's marker)
  // instead of holding the forward's float32 copies; a float32 base needs no Cast at all.
  const marked = (p: StoredPolicy) =>
    new TextDecoder().decode(
      buildTrainGraph({ cfg: withLoraConfig(p.cfg, lora), batch: b, seqLen: t }),
    ).includes(RECOMPUTE_MARKER);
  assert.deepEqual([marked(half), marked(wide)], [true, false]);
  const a = await run(wide), h = await run(half);
  assert.ok(Math.abs(a.metrics.loss - h.metrics.loss) <= 1e-6 * Math.abs(a.metrics.loss));
  assert.ok(Math.abs(a.metrics.gradNorm - h.metrics.gradNorm) <= 1e-5 * a.metrics.gradNorm);
  assert.ok(a.metrics.gradNorm > 0);
  await Deno.remove(dir, { recursive: true });
});
