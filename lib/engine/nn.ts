/**
 * Neural-network building blocks composed from engine ops: linear layers, RMSNorm,
 * LayerNorm, SiLU, tanh-GELU, the fused log-probability of target tokens (log-softmax +
 * gather with a one-pass backward rule) and its row-chunked form with the LM head inside, which
 * never holds the logits of more than one chunk of rows. Each is a plain function of symbolic
 * tensors.
 *
 * @module
 */
import { fmtShape, staticSize, type Tensor } from "./graph.ts";
import { UserError } from "../util/errors.ts";
import {
  add,
  exp,
  gemm,
  logSoftmax,
  matmul,
  mul,
  neg,
  reciprocal,
  reduceMean,
  sigmoid,
  sqrt,
  sub,
  tanh,
} from "./ops.ts";
import {
  concat,
  gatherElements,
  reshape,
  scatterElementsAdd,
  slice,
  squeeze,
  transpose,
  unsqueeze,
} from "./shape_ops.ts";

/**
 * `x @ Wᵀ + b` with `W` in Hugging Face Linear layout `[out, in]` (or `x @ W + b` when
 * `inOut` is true, for GPT-2's Conv1D `[in, out]`). Static shapes use one Gemm (no transpose
 * copies in the forward or backward pass); symbolic ones a MatMul.
 */
export function linear(
  x: Tensor,
  w: Tensor,
  b?: Tensor,
  inOut = false,
): Tensor {
  const inDim = x.shape[x.shape.length - 1];
  const outDim = inOut ? w.shape[1] : w.shape[0];
  if (staticSize(x.shape) !== undefined) {
    const y = gemm(reshape(x, [-1, inDim]), w, { transB: !inOut, c: b });
    return reshape(y, [...x.shape.slice(0, -1), outDim]);
  }
  const y = matmul(x, inOut ? w : transpose(w, [1, 0]));
  return b ? add(y, b) : y;
}

/** RMSNorm over the last axis: `x / √(mean(x²) + eps) · w` (Llama, Qwen2). */
export function rmsNorm(x: Tensor, w: Tensor, eps: number): Tensor {
  const inv = reciprocal(sqrt(add(reduceMean(mul(x, x), [-1], true), eps)));
  return mul(mul(x, inv), w);
}

/** LayerNorm over the last axis with weight and bias (GPT-2). */
export function layerNorm(
  x: Tensor,
  w: Tensor,
  b: Tensor,
  eps: number,
): Tensor {
  const c = sub(x, reduceMean(x, [-1], true));
  const inv = reciprocal(sqrt(add(reduceMean(mul(c, c), [-1], true), eps)));
  return add(mul(mul(c, inv), w), b);
}

/** SiLU (swish): `x · σ(x)`. */
export const silu = (x: Tensor): Tensor => mul(x, sigmoid(x));

/** GELU, tanh approximation (GPT-2's `gelu_new`); differentiable in float64 unlike Erf. */
export function geluTanh(x: Tensor): Tensor {
  const inner = mul(
    add(x, mul(mul(mul(x, x), x), 0.044715)),
    Math.sqrt(2 / Math.PI),
  );
  return mul(mul(x, 0.5), add(tanh(inner), 1));
}

/**
 * Log-probabilities of `targets` [..] under `logits` [.., V]: `logSoftmax(logits)[target]`.
 * The backward pass is fused: d logits = onehot(target)·g − softmax(logits)·g, computed with
 * one scatter into `−softmax·g` instead of materializing the gather's zero gradient and then
 * the log-softmax rule.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { newGraph, input } from "./graph.ts";
 * import { logProbsOf } from "./nn.ts";
 * const g = newGraph();
 * const lp = logProbsOf(input(g, "logits", [2, 5, 11]), input(g, "t", [2, 5], "int64"));
 * assert.deepEqual(lp.shape, [2, 5]);
 * ```
 */
export function logProbsOf(logits: Tensor, targets: Tensor): Tensor {
  const lsm = logSoftmax(logits, -1);
  const idx = unsqueeze(targets, [-1]);
  const picked = gatherElements(lsm, idx, -1);
  const node = picked.graph.producers.get(picked.id)!;
  node.vjp = {
    wrt: [logits],
    rule: ([g]) => [scatterElementsAdd(mul(exp(lsm), neg(g!)), idx, g!, -1)],
  };
  return squeeze(picked, [-1]);
}

/** Default bound on `rows × vocab` logits alive at once in {@link chunkedLogProbs} (32 MB). */
export const LOGIT_CHUNK_FLOATS = 8 * 1024 * 1024;

/**
 * Log-probabilities `[N]` of `targets` `[N]` (int64) under the logits `hidden @ headᵀ`, with
 * `hidden` `[N, H]` and the LM head `head` `[V, H]` (Hugging Face layout), computed `rows` rows at a
 * time (default: as many as keep `rows × V` ≤ {@link LOGIT_CHUNK_FLOATS}), so that the `[N, V]`
 * logits are never materialized: each chunk's logits live only until its targets are gathered.
 * The backward pass recomputes a chunk's logits from `hidden` and `head` (one more head matmul
 * per chunk) instead of keeping every chunk's softmax until the backward pass reaches it; its
 * values are those of `logProbsOf(linear(hidden, head), targets)` up to summation order.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { newGraph, input } from "./graph.ts";
 * import { chunkedLogProbs } from "./nn.ts";
 * const g = newGraph();
 * const lp = chunkedLogProbs(
 *   input(g, "h", [10, 4]), input(g, "head", [7, 4]), input(g, "t", [10], "int64"), 3,
 * ); // 4 chunks: rows 0–2, 3–5, 6–8, 9
 * assert.deepEqual(lp.shape, [10]);
 * ```
 */
export function chunkedLogProbs(
  hidden: Tensor,
  head: Tensor,
  targets: Tensor,
  rows?: number,
): Tensor {
  const [n, h] = hidden.shape, v = head.shape[0];
  if (typeof n !== "number" || typeof v !== "number" || hidden.shape.length !== 2) {
    throw new UserError(
      `chunkedLogProbs: hidden must be [N, H] with a static N and head [V, H] with a static V, ` +
        `got ${fmtShape(hidden.shape)} and ${fmtShape(head.shape)}`,
    );
  }
  if (head.shape[1] !== h || targets.shape.length !== 1 || targets.shape[0] !== n) {
    throw new UserError(
      `chunkedLogProbs: expected head [V, ${h}] and targets [${n}], got ` +
        `${fmtShape(head.shape)} and ${fmtShape(targets.shape)}`,
    );
  }
  const step = Math.max(1, Math.floor(rows ?? LOGIT_CHUNK_FLOATS / v));
  const parts: Tensor[] = [];
  for (let a = 0; a < n; a += step) {
    const b = Math.min(n, a + step);
    const hc = n === b - a ? hidden : slice(hidden, 0, a, b);
    const idx = unsqueeze(n === b - a ? targets : slice(targets, 0, a, b), [-1]);
    const picked = gatherElements(logSoftmax(gemm(hc, head, { transB: true })), idx, -1);
    picked.graph.producers.get(picked.id)!.vjp = {
      wrt: [hc, head],
      rule: ([g]) => {
        // Recomputed here, so that no chunk's [rows, V] values wait for the backward pass.
        hc.graph.recomputes = true;
        const lsm = logSoftmax(gemm(hc, head, { transB: true }));
        const d = scatterElementsAdd(mul(exp(lsm), neg(g!)), idx, g!, -1); // d logits
        return [gemm(d, head), gemm(d, hc, { transA: true })];
      },
    };
    parts.push(squeeze(picked, [-1]));
  }
  return parts.length === 1 ? parts[0] : concat(parts, 0);
}
