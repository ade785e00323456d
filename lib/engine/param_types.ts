/**
 * Parameter sets as the engine sees them: named graph tensors ({@link Params}), named host
 * tensors ({@link ParamStore}), and which names take no weight decay ({@link isNormOrBias}).
 * Defined here, below `model/`, so the optimizer step needs nothing from the model layer;
 * `model/transformer.ts` and `model/params.ts` re-export them.
 *
 * @module
 */
import type { Tensor } from "./graph.ts";
import type { HostTensor } from "./runtime.ts";

/** Symbolic parameters by Hugging Face name. */
export type Params = Record<string, Tensor>;

/** Host-side parameters by HF name. */
export type ParamStore = Record<string, HostTensor>;

/**
 * Whether a parameter is a norm weight or a bias (no weight decay, initialized to 1 or 0).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { isNormOrBias } from "./param_types.ts";
 * assert.equal(isNormOrBias("model.norm.weight"), true);
 * assert.equal(isNormOrBias("h.0.attn.c_attn.bias"), true);
 * assert.equal(isNormOrBias("lm_head.weight"), false);
 * ```
 */
export function isNormOrBias(name: string): boolean {
  return name.endsWith(".bias") || /norm|ln_/.test(name);
}
