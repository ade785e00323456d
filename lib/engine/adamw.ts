/**
 * AdamW folded into the train graph: one `session.run` computes the loss, the gradients,
 * global-norm clipping and the update of every parameter and both moment buffers (fp32 master
 * weights). Hyper-parameters that change per step (learning rate, bias corrections) are graph
 * inputs; the rest are constants.
 *
 * @module
 */
import { input, scalar, type Tensor } from "./graph.ts";
import { add, div, minimum, mul, reduceSum, sqrt, sub } from "./ops.ts";

/** AdamW hyper-parameters (PyTorch semantics: decoupled weight decay). */
export interface AdamWConfig {
  /** First-moment decay β₁. */
  beta1: number;
  /** Second-moment decay β₂. */
  beta2: number;
  /** Denominator ε. */
  eps: number;
  /** Decoupled weight decay (applied where `AdamWSlot.decay`). */
  weightDecay: number;
  /** Clip the global gradient norm to this value (0 = no clipping). */
  maxGradNorm: number;
}

/** Defaults: β = (0.9, 0.999), ε = 1e-8, weight decay 0.01, clip at 1.0. */
export const ADAMW_DEFAULTS: AdamWConfig = {
  beta1: 0.9,
  beta2: 0.999,
  eps: 1e-8,
  weightDecay: 0.01,
  maxGradNorm: 1.0,
};

/** One parameter's tensors in the train graph. */
export interface AdamWSlot {
  /** Parameter name (graph input names derive from it). */
  name: string;
  /** The parameter (a graph input). */
  param: Tensor;
  /** Its gradient. */
  grad: Tensor;
  /** Whether weight decay applies (not to norms and biases by default). */
  decay: boolean;
}

/** Graph tensors produced by {@link adamwGraph}. */
export interface AdamWOutputs {
  /** Global gradient norm before clipping. */
  gradNorm: Tensor;
  /** Per parameter name: updated parameter and moments. */
  next: Record<string, { param: Tensor; m: Tensor; v: Tensor }>;
}

/** Names of the graph inputs for a parameter's moments. */
export const momentNames = (name: string): { m: string; v: string } => ({
  m: `adam_m.${name}`,
  v: `adam_v.${name}`,
});

/**
 * Appends the AdamW update to the graph. Adds scalar inputs `lr`, `bias1` (= 1 − β₁ᵗ) and
 * `bias2` (= 1 − β₂ᵗ), and two moment inputs per parameter (see {@link momentNames}).
 */
export function adamwGraph(slots: AdamWSlot[], cfg: AdamWConfig): AdamWOutputs {
  const g = slots[0].param.graph, dtype = slots[0].param.dtype;
  const lr = input(g, "lr", [], dtype);
  const bias1 = input(g, "bias1", [], dtype),
    bias2 = input(g, "bias2", [], dtype);
  let sq: Tensor | undefined;
  for (const s of slots) {
    const part = reduceSum(mul(s.grad, s.grad));
    sq = sq ? add(sq, part) : part;
  }
  const gradNorm = sqrt(sq!);
  const clip = cfg.maxGradNorm > 0
    ? minimum(div(scalar(g, cfg.maxGradNorm, dtype), add(gradNorm, 1e-6)), 1)
    : undefined;
  const next: AdamWOutputs["next"] = {};
  for (const s of slots) {
    const names = momentNames(s.name);
    const m = input(g, names.m, s.param.shape, dtype);
    const v = input(g, names.v, s.param.shape, dtype);
    const gr = clip ? mul(s.grad, clip) : s.grad;
    const m2 = add(mul(m, cfg.beta1), mul(gr, 1 - cfg.beta1));
    const v2 = add(mul(v, cfg.beta2), mul(mul(gr, gr), 1 - cfg.beta2));
    const stepDir = div(div(m2, bias1), add(sqrt(div(v2, bias2)), cfg.eps));
    const decayed = s.decay && cfg.weightDecay > 0
      ? add(stepDir, mul(s.param, cfg.weightDecay))
      : stepDir;
    next[s.name] = { param: sub(s.param, mul(decayed, lr)), m: m2, v: v2 };
  }
  return { gradNorm, next };
}

/**
 * The graph outputs of an update `upd` of {@link adamwGraph}: `grad_norm`, then for each
 * parameter `next.<p>`, `next_m.<p>`, `next_v.<p>` (and `grad.<p>`, when `grads` has it).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { ADAMW_DEFAULTS, adamwGraph, adamwStepOutputs } from "./adamw.ts";
 * import { input, newGraph } from "./graph.ts";
 * const g = newGraph("demo");
 * const w = input(g, "w", [2]), gw = input(g, "gw", [2]);
 * const upd = adamwGraph([{ name: "w", param: w, grad: gw, decay: true }], ADAMW_DEFAULTS);
 * const out = adamwStepOutputs(upd, { w: gw });
 * assert.deepEqual(Object.keys(out), ["grad_norm", "next.w", "next_m.w", "next_v.w", "grad.w"]);
 * ```
 */
export function adamwStepOutputs(
  upd: AdamWOutputs,
  grads: Record<string, Tensor> = {},
): Record<string, Tensor> {
  const outputs: Record<string, Tensor> = { grad_norm: upd.gradNorm };
  for (const [n, next] of Object.entries(upd.next)) {
    outputs[`next.${n}`] = next.param;
    outputs[`next_m.${n}`] = next.m;
    outputs[`next_v.${n}`] = next.v;
    if (grads[n]) outputs[`grad.${n}`] = grads[n];
  }
  return outputs;
}

/** Per-step scalar inputs for step `t` (1-based) at learning rate `lr`. */
export function adamwScalars(
  t: number,
  lr: number,
  cfg: AdamWConfig,
): { lr: number; bias1: number; bias2: number } {
  return { lr, bias1: 1 - cfg.beta1 ** t, bias2: 1 - cfg.beta2 ** t };
}
