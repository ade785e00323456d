/**
 * Neural-network building blocks composed from engine ops: linear layers, RMSNorm,
 * LayerNorm, SiLU, tanh-GELU, and the fused log-probability of target tokens (log-softmax +
 * gather with a one-pass backward rule). Each is a plain function of symbolic tensors.
 *
 * @module
 */
import { staticSize, type Tensor } from "./graph.ts";
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
  gatherElements,
  reshape,
  scatterElementsAdd,
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
