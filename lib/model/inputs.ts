/**
 * The model's graph inputs, declared in one place: the base parameters (HF names) and, when the
 * config has `lora`, the adapter tensors. Every graph that runs the transformer (decode, logits,
 * score, train step) declares its parameter inputs here, so they all agree on names, shapes and
 * dtypes; `policy/feeds.ts` builds the matching feeds.
 *
 * @module
 */
import { type DType, type Graph, input } from "../engine/graph.ts";
import { cast } from "../engine/ops.ts";
import { UserError } from "../util/errors.ts";
import type { Params } from "../engine/param_types.ts";
import type { TransformerConfig } from "./transformer.ts";
import { paramShapes } from "./params.ts";
import { loraShapes } from "./lora.ts";

/** Options of {@link declareModelInputs}. */
export interface ModelInputOptions {
  /** Element type of the parameter inputs (default `"float32"`). */
  dtype?: DType;
  /**
   * Tensors already declared in the graph (e.g. the trainable ones of an optimizer graph):
   * these names are reused, not declared again.
   */
  reuse?: Params;
}

/**
 * Names and shapes of every model input: the base parameters, then the adapter tensors when
 * `cfg.lora` is set.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { modelInputShapes } from "./inputs.ts";
 * const cfg = {
 *   arch: "llama" as const, vocabSize: 10, hidden: 8, layers: 1, heads: 2, kvHeads: 1,
 *   headDim: 4, intermediate: 12, maxPositions: 16, ropeTheta: 1e4, normEps: 1e-5,
 *   qkvBias: false, tieEmbeddings: true,
 * };
 * const base = Object.keys(modelInputShapes(cfg)).length;
 * const lora = { r: 2, scale: 1, targets: ["q_proj", "v_proj"] };
 * assert.equal(Object.keys(modelInputShapes({ ...cfg, lora })).length, base + 4);
 * ```
 */
export function modelInputShapes(cfg: TransformerConfig): Record<string, number[]> {
  return cfg.lora ? { ...paramShapes(cfg), ...loraShapes(cfg) } : paramShapes(cfg);
}

/**
 * The shapes of what an update trains: the adapter tensors for a LoRA config, every base
 * parameter otherwise.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { trainableShapes } from "./inputs.ts";
 * const cfg = {
 *   arch: "qwen2" as const, vocabSize: 10, hidden: 8, layers: 1, heads: 2, kvHeads: 1,
 *   headDim: 4, intermediate: 12, maxPositions: 16, ropeTheta: 1e4, normEps: 1e-6,
 *   qkvBias: true, tieEmbeddings: true, lora: { r: 2, scale: 1, targets: ["q_proj"] },
 * };
 * assert.deepEqual(Object.keys(trainableShapes(cfg)), [
 *   "model.layers.0.self_attn.q_proj.lora_A.weight",
 *   "model.layers.0.self_attn.q_proj.lora_B.weight",
 * ]);
 * ```
 */
export function trainableShapes(cfg: TransformerConfig): Record<string, number[]> {
  if (!cfg.lora && cfg.baseDtype === "float16") {
    throw new UserError(
      "full fine-tuning needs float32 weights, but the base is stored as float16 (loaded with " +
        'baseDtype: "float16"): train LoRA adapters over it (finetune: "lora") or load the ' +
        'model with baseDtype "float32"',
    );
  }
  return cfg.lora ? loraShapes(cfg) : paramShapes(cfg);
}

/**
 * Declares the model's parameter inputs in `g` (base, plus adapter when `cfg.lora` is set) and
 * returns them by name, ready for `transformerForward`. With `cfg.baseDtype: "float16"` the base
 * inputs are declared as float16 (fed as `Uint16Array` bits, half the resident memory) and
 * widened to `opts.dtype` by one Cast each inside the graph; adapters stay in `opts.dtype`.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { newGraph } from "../engine/graph.ts";
 * import { declareModelInputs } from "./inputs.ts";
 * const cfg = {
 *   arch: "llama" as const, vocabSize: 10, hidden: 8, layers: 1, heads: 2, kvHeads: 1,
 *   headDim: 4, intermediate: 12, maxPositions: 16, ropeTheta: 1e4, normEps: 1e-5,
 *   qkvBias: false, tieEmbeddings: true, lora: { r: 2, scale: 1, targets: ["o_proj"] },
 * };
 * const params = declareModelInputs(newGraph("demo"), cfg);
 * assert.deepEqual(params["model.layers.0.self_attn.o_proj.lora_B.weight"].shape, [8, 2]);
 * ```
 */
export function declareModelInputs(
  g: Graph,
  cfg: TransformerConfig,
  opts: ModelInputOptions = {},
): Params {
  const params: Params = {}, dtype = opts.dtype ?? "float32";
  const half = cfg.baseDtype === "float16" ? paramShapes(cfg) : {};
  for (const [name, dims] of Object.entries(modelInputShapes(cfg))) {
    const reused = opts.reuse?.[name];
    if (reused) params[name] = reused;
    else if (name in half) params[name] = cast(input(g, name, dims, "float16"), dtype);
    else params[name] = input(g, name, dims, dtype);
  }
  return params;
}
