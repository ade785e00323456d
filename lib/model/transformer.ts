/**
 * A decoder-only transformer as a symbolic graph, in the Llama/Qwen2/Qwen3 style (RMSNorm,
 * rotary position embeddings, SwiGLU MLP, grouped-query attention, optional q/k/v bias, Qwen3's
 * per-head RMSNorm of q and k before RoPE, tied or untied LM head) and the GPT-2 style
 * (LayerNorm, learned positions, tanh-GELU, Conv1D weights). Parameters carry Hugging Face
 * names, so checkpoints map one to one.
 *
 * The whole model reads top to bottom in this file, nanoGPT-style.
 *
 * @module
 */
import { type DType, scalar, type Tensor, typedArray } from "../engine/graph.ts";
import { add, cast, cos, matmul, mul, neg, sin, softmax } from "../engine/ops.ts";
import {
  concat,
  gather,
  reshape,
  slice,
  squeeze,
  transpose,
  unsqueeze,
} from "../engine/shape_ops.ts";
import { constant } from "../engine/graph.ts";
import { geluTanh, layerNorm, linear, rmsNorm, silu } from "../engine/nn.ts";
import { UserError } from "../util/errors.ts";
import { ropeInvFreq, type RopeScaling } from "./rope.ts";

export type { RopeScaling };

/** The architecture fields the graph needs (a subset of the HF-derived model config). */
export interface TransformerConfig {
  /**
   * Block style: Llama/Qwen2/Qwen3 (RMSNorm, RoPE, SwiGLU; Qwen3 adds `q_norm`/`k_norm`) or
   * GPT-2 (LayerNorm, learned positions).
   */
  arch: "llama" | "qwen2" | "qwen3" | "gpt2";
  /** Vocabulary size (rows of the embedding). */
  vocabSize: number;
  /** Model width. */
  hidden: number;
  /** Number of decoder layers. */
  layers: number;
  /** Query heads. */
  heads: number;
  /** Key/value heads (grouped-query attention when < heads). */
  kvHeads: number;
  /** Width of one head. */
  headDim: number;
  /** MLP inner width. */
  intermediate: number;
  /** Longest position (GPT-2's learned position table size). */
  maxPositions: number;
  /** Rotary base θ. */
  ropeTheta: number;
  /** `rope_scaling` of the config (`linear` or `llama3`); absent for plain RoPE. */
  ropeScaling?: RopeScaling;
  /** Norm epsilon. */
  normEps: number;
  /** Whether q/k/v projections have biases (Qwen2). */
  qkvBias: boolean;
  /** Whether the LM head reuses the token embedding. */
  tieEmbeddings: boolean;
  /**
   * LoRA adapters (see `lora.ts`): each targeted projection (`q_proj` … `down_proj`) adds
   * `scale · (x·Aᵀ)·Bᵀ`, with the inputs `{module}.lora_A.weight` `[r, in]` and
   * `{module}.lora_B.weight` `[out, r]` among the params. Absent: no adapter.
   */
  lora?: { r: number; scale: number; targets: string[] };
  /**
   * How the base parameters are fed: `"float16"` for a frozen base stored in half precision
   * (`Uint16Array` bit patterns), declared as float16 inputs and widened to float32 by a Cast
   * inside the graph (see `inputs.ts`). Absent: float32 (or the graph's dtype).
   */
  baseDtype?: "float16";
}

export type { Params } from "../engine/param_types.ts";
import type { Params } from "../engine/param_types.ts";

/** Cached keys/values of one layer: `[B, kvHeads, S, headDim]` each. */
export interface LayerCache {
  /** Keys. */
  key: Tensor;
  /** Values. */
  value: Tensor;
}

/** Inputs of {@link transformerForward}. */
export interface ForwardInputs {
  /** Token ids `[B, T]` (int64). */
  ids: Tensor;
  /** Absolute positions `[B, T]` (int64), e.g. cumulative sum of the attention mask − 1. */
  positions: Tensor;
  /** Additive attention bias `[B, 1, T, S]` (0 = attend, large negative = masked), S = past + T. */
  bias: Tensor;
  /** Past keys/values per layer (KV-cache decoding). */
  past?: LayerCache[];
  /** Compute logits for the last position only (`[B, V]`), as decoding needs. */
  lastOnly?: boolean;
  /**
   * Flat indices `[K]` (int64) into the `B·T` positions: compute the final norm and logits
   * for those positions only (`[K, V]`), e.g. the completion tokens of a policy update —
   * the hidden states of the other positions are never projected onto the vocabulary.
   */
  select?: Tensor;
}

/** Output of {@link transformerForward}. */
export interface ForwardOutput {
  /** `[B, T, V]` logits (`[B, V]` with `lastOnly`, `[K, V]` with `select`). */
  logits: Tensor;
  /** Keys/values of the whole sequence (past + new) per layer, `[B, kvHeads, S, D]`. */
  present: LayerCache[];
  /** Keys/values of the new tokens only per layer, `[B, kvHeads, T, D]`. */
  fresh: LayerCache[];
  /**
   * Final normalized hidden states `[B, T, H]` (`[B, H]` with `lastOnly`, `[K, H]` with
   * `select`), before the LM head.
   */
  hidden: Tensor;
}

const p = (params: Params, name: string): Tensor => {
  const t = params[name];
  if (!t) throw new UserError(`transformer: parameter '${name}' is missing`);
  return t;
};

/** Rotary embedding of `x` `[B, H.., T, D]` with cos/sin `[B, 1.., T, D]` (HF rotate_half). */
function rope(x: Tensor, cosT: Tensor, sinT: Tensor): Tensor {
  const d = x.shape[x.shape.length - 1] as number;
  const x1 = slice(x, -1, 0, d / 2), x2 = slice(x, -1, d / 2, d);
  return add(mul(x, cosT), mul(concat([neg(x2), x1], -1), sinT));
}

/** cos and sin tables `[B, 1, 1, T, D]` for the given positions, computed in the graph. */
function ropeTables(cfg: TransformerConfig, positions: Tensor, dtype: DType) {
  const half = cfg.headDim / 2;
  const inv = ropeInvFreq(cfg.headDim, cfg.ropeTheta, cfg.ropeScaling);
  const invFreq = constant(
    positions.graph,
    typedArray(dtype, inv),
    [half],
    dtype,
  );
  const angles = mul(unsqueeze(cast(positions, dtype), [-1]), invFreq); // [B, T, D/2]
  const full = concat([angles, angles], -1); // [B, T, D]
  const to5d = (t: Tensor) => unsqueeze(t, [1, 2]);
  return { cos: to5d(cos(full)), sin: to5d(sin(full)) };
}

/** Per-head RMSNorm weights `[D]` of q and k (Qwen3's `q_norm`/`k_norm`). */
interface QkNorm {
  /** `self_attn.q_norm.weight`. */
  q: Tensor;
  /** `self_attn.k_norm.weight`. */
  k: Tensor;
}

/** Qwen3's q/k norm weights of a layer (prefix `pre`); `undefined` for the other families. */
function qkNormOf(cfg: TransformerConfig, params: Params, pre: string): QkNorm | undefined {
  if (cfg.arch !== "qwen3") return undefined;
  return {
    q: p(params, `${pre}self_attn.q_norm.weight`),
    k: p(params, `${pre}self_attn.k_norm.weight`),
  };
}

/**
 * Grouped-query attention. `q` `[B, T, H·D]`, `k`/`v` `[B, T, Hkv·D]`; heads are grouped as
 * `[B, Hkv, rep, T, D]` so that one K/V head serves `rep` query heads by broadcasting, with no
 * copies. With `qkNorm` (Qwen3), every head of q and k is RMS-normalized over its `D` values
 * (eps `normEps`) before the rotary embedding; the cache holds the normalized, rotated keys.
 */
function attention(
  cfg: TransformerConfig,
  q: Tensor,
  k: Tensor,
  v: Tensor,
  inp: ForwardInputs,
  layer: number,
  rot?: { cos: Tensor; sin: Tensor },
  qkNorm?: QkNorm,
): { out: Tensor; cache: LayerCache; fresh: LayerCache } {
  const [b, t] = q.shape;
  const kvh = cfg.kvHeads, rep = cfg.heads / cfg.kvHeads, d = cfg.headDim;
  let qh = transpose(reshape(q, [b, t, kvh, rep, d]), [0, 2, 3, 1, 4]); // [B,Hkv,rep,T,D]
  let kh = transpose(reshape(k, [b, t, kvh, 1, d]), [0, 2, 3, 1, 4]); // [B,Hkv,1,T,D]
  const vh = transpose(reshape(v, [b, t, kvh, 1, d]), [0, 2, 3, 1, 4]);
  if (qkNorm) {
    qh = rmsNorm(qh, qkNorm.q, cfg.normEps);
    kh = rmsNorm(kh, qkNorm.k, cfg.normEps);
  }
  if (rot) {
    qh = rope(qh, rot.cos, rot.sin);
    kh = rope(kh, rot.cos, rot.sin);
  }
  let kAll = kh, vAll = vh;
  const past = inp.past?.[layer];
  if (past) {
    kAll = concat([unsqueeze(past.key, [2]), kh], 3);
    vAll = concat([unsqueeze(past.value, [2]), vh], 3);
  }
  const scores = matmul(
    mul(qh, 1 / Math.sqrt(d)),
    transpose(kAll, [0, 1, 2, 4, 3]),
  );
  const probs = softmax(add(scores, unsqueeze(inp.bias, [1])), -1); // [B,Hkv,rep,T,S]
  const ctx = transpose(matmul(probs, vAll), [0, 3, 1, 2, 4]); // [B,T,Hkv,rep,D]
  const out = reshape(ctx, [b, t, cfg.heads * d]);
  return {
    out,
    cache: { key: squeeze(kAll, [2]), value: squeeze(vAll, [2]) },
    fresh: { key: squeeze(kh, [2]), value: squeeze(vh, [2]) },
  };
}

/**
 * The projection `x·Wᵀ (+ b)` of module `m` (e.g. `model.layers.0.self_attn.q_proj`), plus
 * `scale · (x·Aᵀ)·Bᵀ` when `cfg.lora` targets it (the scale applies to the rank-r product).
 */
function loraLinear(cfg: TransformerConfig, params: Params, x: Tensor, m: string, b?: Tensor) {
  const y = linear(x, p(params, `${m}.weight`), b);
  const lora = cfg.lora;
  if (!lora?.targets.includes(m.slice(m.lastIndexOf(".") + 1))) return y;
  const down = mul(linear(x, p(params, `${m}.lora_A.weight`)), lora.scale);
  return add(y, linear(down, p(params, `${m}.lora_B.weight`)));
}

/** One Llama/Qwen2/Qwen3 decoder layer. */
function llamaLayer(
  cfg: TransformerConfig,
  params: Params,
  x: Tensor,
  inp: ForwardInputs,
  i: number,
  rot: { cos: Tensor; sin: Tensor },
): { x: Tensor; cache: LayerCache; fresh: LayerCache } {
  const pre = `model.layers.${i}.`;
  const bias = (
    n: string,
  ) => (cfg.qkvBias ? p(params, `${pre}self_attn.${n}.bias`) : undefined);
  const h = rmsNorm(x, p(params, `${pre}input_layernorm.weight`), cfg.normEps);
  const proj = (x: Tensor, m: string, b?: Tensor) => loraLinear(cfg, params, x, `${pre}${m}`, b);
  const q = proj(h, "self_attn.q_proj", bias("q_proj"));
  const k = proj(h, "self_attn.k_proj", bias("k_proj"));
  const v = proj(h, "self_attn.v_proj", bias("v_proj"));
  const att = attention(cfg, q, k, v, inp, i, rot, qkNormOf(cfg, params, pre));
  x = add(x, proj(att.out, "self_attn.o_proj"));
  const h2 = rmsNorm(
    x,
    p(params, `${pre}post_attention_layernorm.weight`),
    cfg.normEps,
  );
  const gate = silu(proj(h2, "mlp.gate_proj"));
  const up = proj(h2, "mlp.up_proj");
  x = add(x, proj(mul(gate, up), "mlp.down_proj"));
  return { x, cache: att.cache, fresh: att.fresh };
}

/** One GPT-2 block (Conv1D weights are `[in, out]`). */
function gpt2Layer(
  cfg: TransformerConfig,
  params: Params,
  x: Tensor,
  inp: ForwardInputs,
  i: number,
): { x: Tensor; cache: LayerCache; fresh: LayerCache } {
  const pre = `h.${i}.`, w = (n: string) => p(params, `${pre}${n}`);
  const h = layerNorm(x, w("ln_1.weight"), w("ln_1.bias"), cfg.normEps);
  const qkv = linear(h, w("attn.c_attn.weight"), w("attn.c_attn.bias"), true);
  const n = cfg.hidden;
  const att = attention(
    cfg,
    slice(qkv, -1, 0, n),
    slice(qkv, -1, n, 2 * n),
    slice(qkv, -1, 2 * n, 3 * n),
    inp,
    i,
  );
  x = add(
    x,
    linear(att.out, w("attn.c_proj.weight"), w("attn.c_proj.bias"), true),
  );
  const h2 = layerNorm(x, w("ln_2.weight"), w("ln_2.bias"), cfg.normEps);
  const m = geluTanh(
    linear(h2, w("mlp.c_fc.weight"), w("mlp.c_fc.bias"), true),
  );
  x = add(x, linear(m, w("mlp.c_proj.weight"), w("mlp.c_proj.bias"), true));
  return { x, cache: att.cache, fresh: att.fresh };
}

/**
 * The forward pass: token ids → logits (and the K/V cache of every layer).
 *
 * @example
 * ```ts ignore
 * import { input, newGraph } from "../engine/graph.ts";
 * import { paramShapes } from "./params.ts";
 * import { transformerForward, type TransformerConfig } from "./transformer.ts";
 * declare const cfg: TransformerConfig;
 * const g = newGraph("logits");
 * const params = Object.fromEntries(
 *   Object.entries(paramShapes(cfg)).map(([n, dims]) => [n, input(g, n, dims)]),
 * );
 * const { logits } = transformerForward(cfg, params, {
 *   ids: input(g, "ids", ["batch", "seq"], "int64"),
 *   positions: input(g, "positions", ["batch", "seq"], "int64"),
 *   bias: input(g, "bias", ["batch", 1, "seq", "seq"]),
 * }); // [batch, seq, vocab]; lib/policy/logits.ts runs exactly this graph
 * ```
 */
export function transformerForward(
  cfg: TransformerConfig,
  params: Params,
  inp: ForwardInputs,
): ForwardOutput {
  const present: LayerCache[] = [], fresh: LayerCache[] = [];
  const gpt2 = cfg.arch === "gpt2";
  const emb = p(params, gpt2 ? "wte.weight" : "model.embed_tokens.weight");
  let x = gather(emb, inp.ids);
  const rot = gpt2 ? undefined : ropeTables(cfg, inp.positions, emb.dtype);
  if (gpt2) x = add(x, gather(p(params, "wpe.weight"), inp.positions));
  for (let i = 0; i < cfg.layers; i++) {
    const r = gpt2 ? gpt2Layer(cfg, params, x, inp, i) : llamaLayer(cfg, params, x, inp, i, rot!);
    x = r.x;
    present.push(r.cache);
    fresh.push(r.fresh);
  }
  if (inp.lastOnly) x = gather(x, scalar(x.graph, -1, "int64"), 1); // [B, H]
  else if (inp.select) x = gather(reshape(x, [-1, cfg.hidden]), inp.select); // [K, H]
  x = gpt2
    ? layerNorm(
      x,
      p(params, "ln_f.weight"),
      p(params, "ln_f.bias"),
      cfg.normEps,
    )
    : rmsNorm(x, p(params, "model.norm.weight"), cfg.normEps);
  const head = cfg.tieEmbeddings ? emb : p(params, "lm_head.weight");
  return { logits: linear(x, head), present, fresh, hidden: x };
}
