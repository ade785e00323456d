/**
 * An independent float64 reference of the decoder-only transformer forward pass, written
 * with plain loops over `Float64Array`s after the Hugging Face definitions of `LlamaModel`,
 * `Qwen2Model`, `Qwen3Model` and `GPT2Model` (+ their LM heads). It shares no code with the graph in
 * `lib/model/transformer.ts`: it exists only so the tests can check that graph against the
 * standard architecture, one token and one head at a time.
 *
 * Llama / Qwen2 (per token, pre-norm):
 * - `RMSNorm(x) = x · rsqrt(mean(x²) + eps) · w`
 * - rotary: `inv_freq[i] = 1/θ^(2i/d)`, angle `pos · inv_freq[i]` shared by dims `i` and
 *   `i + d/2`, `q' = q·cos + rotate_half(q)·sin` with `rotate_half([x1, x2]) = [−x2, x1]`
 * - grouped-query attention: query head `h` reads key/value head `⌊h / (H/Hkv)⌋` (`repeat_kv`),
 *   causal softmax of `q·k / √d` over real (unpadded) keys
 * - SwiGLU MLP `down(silu(gate(x)) · up(x))`; Qwen2 adds q/k/v biases; head tied or not
 * - Qwen3 (`Qwen3Attention`): after the q/k projections, each head's `d` values are
 *   RMS-normalized on their own (`q_norm`/`k_norm` weights `[d]`, eps `rms_norm_eps`), then
 *   rotated; values are not normalized
 *
 * GPT-2: `wte[id] + wpe[pos]`, LayerNorm, Conv1D weights `[in, out]`, fused `c_attn` split
 * into q, k, v, `gelu_new` (tanh approximation), head tied to `wte`.
 *
 * @module
 */
import type { TransformerConfig } from "../../lib/model/transformer.ts";
import { UserError } from "../../lib/util/errors.ts";

export type { TransformerConfig };

/** A parameter in JS memory (any numeric typed array; it is read as float64). */
export interface RefTensor {
  /** Row-major elements. */
  data: ArrayLike<number>;
  /** Shape. */
  dims: number[];
}

/** Parameters by Hugging Face name. */
export type RefParams = Record<string, RefTensor>;

/** Token batch for {@link referenceForward}; all arrays are `[B][T]`. */
export interface RefInputs {
  /** Token ids. */
  ids: number[][];
  /** Absolute position of each token. */
  positions: number[][];
  /** 1 for a real token, 0 for padding (padded keys are never attended to). */
  attentionMask: number[][];
}

/**
 * Deliberate deviations from the standard definitions, used only to show that a parity test
 * against this reference can fail. The defaults are the Hugging Face behaviour.
 */
export interface RefVariant {
  /** `"rotate_half"` (HF, default) or `"interleaved"` (pairs (0,1), (2,3), …: wrong for HF). */
  rotary?: "rotate_half" | "interleaved";
  /** Scale attention scores by 1/√d (default true). */
  scaleScores?: boolean;
  /** `"repeat_kv"` (HF, default: head h → kv head ⌊h/rep⌋) or `"tiled"` (h mod Hkv: wrong). */
  kvGrouping?: "repeat_kv" | "tiled";
  /**
   * Qwen3 q/k norm: `"before_rope"` (HF, default), `"after_rope"` (wrong order) or `"skip"`
   * (no norm: wrong).
   */
  qkNorm?: "before_rope" | "after_rope" | "skip";
}

type Vec = Float64Array;

/** One sequence: token ids, positions, and 1/0 real/padding flags. */
interface Row {
  ids: number[];
  pos: number[];
  mask: number[];
}

/** Reads a parameter as float64, checking its element count. */
function param(params: RefParams, name: string, size: number): Vec {
  const t = params[name];
  if (!t) {
    throw new UserError(`referenceForward: parameter '${name}' is missing`);
  }
  if (t.data.length !== size) {
    throw new UserError(
      `referenceForward: parameter '${name}' has ${t.data.length} elements, expected ${size}`,
    );
  }
  return Float64Array.from(t.data);
}

/** `nn.Linear`: `y[o] = Σ_i W[o, i] x[i] + b[o]` with `W` `[out, in]`. */
function linear(x: Vec, w: Vec, out: number, b?: Vec): Vec {
  const inDim = x.length, y = new Float64Array(out);
  for (let o = 0; o < out; o++) {
    let s = b ? b[o] : 0;
    for (let i = 0; i < inDim; i++) s += w[o * inDim + i] * x[i];
    y[o] = s;
  }
  return y;
}

/** GPT-2 `Conv1D`: `y[o] = Σ_i W[i, o] x[i] + b[o]` with `W` `[in, out]`. */
function conv1d(x: Vec, w: Vec, b: Vec): Vec {
  const out = b.length, y = Float64Array.from(b);
  for (let i = 0; i < x.length; i++) {
    for (let o = 0; o < out; o++) y[o] += x[i] * w[i * out + o];
  }
  return y;
}

function rmsNorm(x: Vec, w: Vec, eps: number): Vec {
  let ms = 0;
  for (const v of x) ms += v * v;
  const r = 1 / Math.sqrt(ms / x.length + eps);
  return x.map((v, i) => v * r * w[i]);
}

function layerNorm(x: Vec, w: Vec, b: Vec, eps: number): Vec {
  let mean = 0, v2 = 0;
  for (const v of x) mean += v;
  mean /= x.length;
  for (const v of x) v2 += (v - mean) ** 2;
  const r = 1 / Math.sqrt(v2 / x.length + eps);
  return x.map((v, i) => (v - mean) * r * w[i] + b[i]);
}

/** RMSNorm of every `d`-wide head of `x` on its own (in place), weight `w` `[d]`. */
function perHeadRmsNorm(x: Vec, heads: number, d: number, w: Vec, eps: number): void {
  for (let h = 0; h < heads; h++) {
    const head = rmsNorm(x.subarray(h * d, (h + 1) * d), w, eps);
    x.set(head, h * d);
  }
}

const silu = (v: number) => v / (1 + Math.exp(-v));

/** HF `gelu_new`: `0.5·x·(1 + tanh(√(2/π)·(x + 0.044715·x³)))`. */
const geluNew = (v: number) =>
  0.5 * v * (1 + Math.tanh(Math.sqrt(2 / Math.PI) * (v + 0.044715 * v ** 3)));

/** Rotates every `d`-wide head of `x` (in place) by the angles of position `pos`. */
function applyRotary(
  x: Vec,
  heads: number,
  d: number,
  pos: number,
  theta: number,
  style: "rotate_half" | "interleaved",
): void {
  const half = d / 2;
  for (let h = 0; h < heads; h++) {
    const o = h * d;
    for (let i = 0; i < half; i++) {
      const angle = pos * (1 / theta ** ((2 * i) / d));
      const c = Math.cos(angle), s = Math.sin(angle);
      // rotate_half pairs dim i with dim i + d/2; the (wrong) interleaved style pairs 2i, 2i+1.
      const [a, b] = style === "rotate_half" ? [o + i, o + i + half] : [o + 2 * i, o + 2 * i + 1];
      const x1 = x[a], x2 = x[b];
      x[a] = x1 * c - x2 * s;
      x[b] = x2 * c + x1 * s;
    }
  }
}

/**
 * Causal multi-head attention of one sequence. `q[t]` has `heads·d` values, `k[t]`/`v[t]`
 * `kvHeads·d`. A query attends to keys `s ≤ t` with `mask[s] = 1`; a query with no such key
 * (only possible with left padding) gets zeros.
 */
function attend(
  q: Vec[],
  k: Vec[],
  v: Vec[],
  mask: number[],
  heads: number,
  kvHeads: number,
  d: number,
  variant: RefVariant,
): Vec[] {
  const rep = heads / kvHeads;
  const scale = variant.scaleScores === false ? 1 : 1 / Math.sqrt(d);
  return q.map((qt, t) => {
    const out = new Float64Array(heads * d);
    for (let h = 0; h < heads; h++) {
      const kvh = variant.kvGrouping === "tiled" ? h % kvHeads : Math.floor(h / rep);
      const keys: number[] = [], scores: number[] = [];
      for (let s = 0; s <= t; s++) {
        if (mask[s] !== 1) continue;
        let dot = 0;
        for (let j = 0; j < d; j++) dot += qt[h * d + j] * k[s][kvh * d + j];
        keys.push(s);
        scores.push(dot * scale);
      }
      if (keys.length === 0) continue;
      const max = Math.max(...scores);
      const e = scores.map((x) => Math.exp(x - max));
      const z = e.reduce((a, b) => a + b, 0);
      keys.forEach((s, n) => {
        for (let j = 0; j < d; j++) {
          out[h * d + j] += (e[n] / z) * v[s][kvh * d + j];
        }
      });
    }
    return out;
  });
}

function embedRow(table: Vec, row: number, width: number, what: string): Vec {
  if (!Number.isInteger(row) || row < 0 || (row + 1) * width > table.length) {
    throw new UserError(`referenceForward: ${what} ${row} is out of range`);
  }
  return table.slice(row * width, (row + 1) * width);
}

/** Llama / Qwen2 / Qwen3 forward of one sequence: final hidden states `[T][hidden]`. */
function llamaSequence(
  cfg: TransformerConfig,
  params: RefParams,
  { ids, pos, mask }: Row,
  variant: RefVariant,
): Vec[] {
  const { hidden: n, headDim: d, heads, kvHeads, intermediate: f } = cfg;
  const emb = param(params, "model.embed_tokens.weight", cfg.vocabSize * n);
  let x = ids.map((id) => embedRow(emb, id, n, "token id"));
  for (let l = 0; l < cfg.layers; l++) {
    const pre = `model.layers.${l}.`;
    const w = (name: string, size: number) => param(params, pre + name, size);
    const bias = (name: string, size: number) =>
      cfg.qkvBias ? w(`self_attn.${name}.bias`, size) : undefined;
    const inNorm = w("input_layernorm.weight", n);
    const wq = w("self_attn.q_proj.weight", heads * d * n);
    const wk = w("self_attn.k_proj.weight", kvHeads * d * n);
    const wv = w("self_attn.v_proj.weight", kvHeads * d * n);
    const bq = bias("q_proj", heads * d), bk = bias("k_proj", kvHeads * d);
    const bv = bias("v_proj", kvHeads * d);
    const h = x.map((xt) => rmsNorm(xt, inNorm, cfg.normEps));
    const q = h.map((ht) => linear(ht, wq, heads * d, bq));
    const k = h.map((ht) => linear(ht, wk, kvHeads * d, bk));
    const v = h.map((ht) => linear(ht, wv, kvHeads * d, bv));
    const style = variant.rotary ?? "rotate_half";
    const qkNorm = cfg.arch === "qwen3" ? variant.qkNorm ?? "before_rope" : "skip";
    const normHeads = () => {
      const qn = w("self_attn.q_norm.weight", d), kn = w("self_attn.k_norm.weight", d);
      q.forEach((qt) => perHeadRmsNorm(qt, heads, d, qn, cfg.normEps));
      k.forEach((kt) => perHeadRmsNorm(kt, kvHeads, d, kn, cfg.normEps));
    };
    if (qkNorm === "before_rope") normHeads();
    q.forEach((qt, t) => applyRotary(qt, heads, d, pos[t], cfg.ropeTheta, style));
    k.forEach((kt, t) => applyRotary(kt, kvHeads, d, pos[t], cfg.ropeTheta, style));
    if (qkNorm === "after_rope") normHeads();
    const att = attend(q, k, v, mask, heads, kvHeads, d, variant);
    const wo = w("self_attn.o_proj.weight", n * heads * d);
    x = x.map((xt, t) => add(xt, linear(att[t], wo, n)));
    const postNorm = w("post_attention_layernorm.weight", n);
    const gate = w("mlp.gate_proj.weight", f * n);
    const up = w("mlp.up_proj.weight", f * n);
    const down = w("mlp.down_proj.weight", n * f);
    x = x.map((xt) => {
      const h2 = rmsNorm(xt, postNorm, cfg.normEps);
      const g = linear(h2, gate, f), u = linear(h2, up, f);
      return add(xt, linear(g.map((gv, i) => silu(gv) * u[i]), down, n));
    });
  }
  const finalNorm = param(params, "model.norm.weight", n);
  return x.map((xt) => rmsNorm(xt, finalNorm, cfg.normEps));
}

/** GPT-2 forward of one sequence: final hidden states `[T][hidden]`. */
function gpt2Sequence(
  cfg: TransformerConfig,
  params: RefParams,
  { ids, pos, mask }: Row,
  variant: RefVariant,
): Vec[] {
  const { hidden: n, heads, intermediate: f } = cfg;
  const d = n / heads; // HF GPT-2: head_dim = n_embd / n_head
  const wte = param(params, "wte.weight", cfg.vocabSize * n);
  const wpe = param(params, "wpe.weight", cfg.maxPositions * n);
  let x = ids.map((id, t) =>
    add(
      embedRow(wte, id, n, "token id"),
      embedRow(wpe, pos[t], n, "position"),
    )
  );
  for (let l = 0; l < cfg.layers; l++) {
    const w = (name: string, size: number) => param(params, `h.${l}.${name}`, size);
    const ln1w = w("ln_1.weight", n), ln1b = w("ln_1.bias", n);
    const cAttnW = w("attn.c_attn.weight", n * 3 * n);
    const cAttnB = w("attn.c_attn.bias", 3 * n);
    const qkv = x.map((xt) => conv1d(layerNorm(xt, ln1w, ln1b, cfg.normEps), cAttnW, cAttnB));
    const q = qkv.map((r) => r.slice(0, n));
    const k = qkv.map((r) => r.slice(n, 2 * n));
    const v = qkv.map((r) => r.slice(2 * n, 3 * n));
    const att = attend(q, k, v, mask, heads, heads, d, variant);
    const projW = w("attn.c_proj.weight", n * n);
    const projB = w("attn.c_proj.bias", n);
    x = x.map((xt, t) => add(xt, conv1d(att[t], projW, projB)));
    const ln2w = w("ln_2.weight", n), ln2b = w("ln_2.bias", n);
    const fcW = w("mlp.c_fc.weight", n * f), fcB = w("mlp.c_fc.bias", f);
    const mpW = w("mlp.c_proj.weight", f * n), mpB = w("mlp.c_proj.bias", n);
    x = x.map((xt) => {
      const m = conv1d(layerNorm(xt, ln2w, ln2b, cfg.normEps), fcW, fcB);
      return add(xt, conv1d(m.map(geluNew), mpW, mpB));
    });
  }
  const lnfW = param(params, "ln_f.weight", n);
  const lnfB = param(params, "ln_f.bias", n);
  return x.map((xt) => layerNorm(xt, lnfW, lnfB, cfg.normEps));
}

function add(a: Vec, b: Vec): Vec {
  return a.map((v, i) => v + b[i]);
}

/**
 * Reference logits `[B, T, V]` (flat, row-major) of a batch, computed in float64 one sequence
 * at a time. Logits at padded positions are computed too but mean nothing; compare only
 * positions with `attentionMask = 1`.
 *
 * @example
 * ```ts ignore
 * import { referenceForward } from "./forward_ref.ts";
 * declare const cfg: import("../../lib/model/transformer.ts").TransformerConfig;
 * declare const params: import("./forward_ref.ts").RefParams;
 * const logits = referenceForward(cfg, params, {
 *   ids: [[1, 2, 3]],
 *   positions: [[0, 1, 2]],
 *   attentionMask: [[1, 1, 1]],
 * });
 * // logits.length === 3 * cfg.vocabSize
 * ```
 */
export function referenceForward(
  cfg: TransformerConfig,
  params: RefParams,
  inputs: RefInputs,
  variant: RefVariant = {},
): Float64Array {
  const { ids, positions, attentionMask } = inputs;
  const b = ids.length, t = ids[0]?.length ?? 0, vocab = cfg.vocabSize;
  for (const [name, rows] of Object.entries({ positions, attentionMask })) {
    if (rows.length !== b || rows.some((r) => r.length !== t)) {
      throw new UserError(
        `referenceForward: inputs.${name} must be [${b}][${t}] like inputs.ids`,
      );
    }
  }
  const head = cfg.arch === "gpt2"
    ? param(params, "wte.weight", vocab * cfg.hidden)
    : cfg.tieEmbeddings
    ? param(params, "model.embed_tokens.weight", vocab * cfg.hidden)
    : param(params, "lm_head.weight", vocab * cfg.hidden);
  const seq = cfg.arch === "gpt2" ? gpt2Sequence : llamaSequence;
  const out = new Float64Array(b * t * vocab);
  for (let r = 0; r < b; r++) {
    const row = { ids: ids[r], pos: positions[r], mask: attentionMask[r] };
    const hs = seq(cfg, params, row, variant);
    hs.forEach((ht, i) => out.set(linear(ht, head, vocab), (r * t + i) * vocab));
  }
  return out;
}
