/**
 * LoRA: low-rank adapters on the linear projections of a frozen base model (Hu et al. 2021),
 * as PEFT defines them. A targeted projection `y = x·Wᵀ (+ b)` becomes
 * `y = x·Wᵀ (+ b) + scale · (x·Aᵀ)·Bᵀ` with `A` `[r, in]`, `B` `[out, r]` and
 * `scale = alpha / r` (or `alpha / √r` with rsLoRA). Adapter parameters carry the Hugging Face
 * module name of their projection (`model.layers.0.self_attn.q_proj.lora_A.weight`), so each
 * maps one to one to PEFT's saved key (prefixed `base_model.model.`).
 *
 * This file holds the configuration, the shapes, the seeded initialization and the merge
 * `W + scale·B·A`; the graph side is in `transformer.ts` (`TransformerConfig.lora`).
 *
 * @module
 */
import type { TransformerConfig } from "./transformer.ts";
import type { ParamStore } from "../engine/param_types.ts";
import { makeRng } from "../util/rng.ts";
import { UserError } from "../util/errors.ts";

/** The projections an adapter may target, in canonical order (Llama/Qwen2/Qwen3 module names). */
export const LORA_TARGETS = [
  "q_proj",
  "k_proj",
  "v_proj",
  "o_proj",
  "gate_proj",
  "up_proj",
  "down_proj",
] as const;

/** One of {@link LORA_TARGETS}. */
export type LoraTarget = typeof LORA_TARGETS[number];

/** An adapter's hyperparameters (PEFT's `r`, `lora_alpha`, `target_modules`, `use_rslora`). */
export interface LoraConfig {
  /** Rank r (rows of A, columns of B). */
  r: number;
  /** Scaling numerator alpha. */
  alpha: number;
  /** Targeted projections, among {@link LORA_TARGETS}. */
  targets: string[];
  /** rsLoRA scaling `alpha / √r` instead of `alpha / r`. */
  rslora?: boolean;
}

/** What the graph needs of an adapter (`TransformerConfig.lora`). */
export interface LoraGraphConfig {
  /** Rank r. */
  r: number;
  /** The factor of the low-rank term ({@link loraScale}). */
  scale: number;
  /** Targeted projections, in canonical order. */
  targets: string[];
}

/** An adapter in JS memory: its config, its `lora_A`/`lora_B` tensors, and its base's path. */
export interface LoraAdapter {
  /** Hyperparameters. */
  config: LoraConfig;
  /** `…{module}.lora_A.weight` `[r, in]` and `…{module}.lora_B.weight` `[out, r]` by graph name. */
  params: ParamStore;
  /** Where the base model lives (PEFT's `base_model_name_or_path`), when known. */
  basePath?: string;
}

/**
 * The factor of the low-rank term: `alpha / r`, or `alpha / √r` with rsLoRA (as PEFT).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { loraScale } from "./lora.ts";
 * assert.equal(loraScale({ r: 16, alpha: 32, targets: ["q_proj"] }), 2);
 * assert.equal(loraScale({ r: 16, alpha: 32, targets: ["q_proj"], rslora: true }), 8);
 * ```
 */
export function loraScale(c: LoraConfig): number {
  return c.rslora ? c.alpha / Math.sqrt(c.r) : c.alpha / c.r;
}

/**
 * Checks a {@link LoraConfig} for an architecture (`where` names its origin in messages) and
 * returns its targets deduplicated in canonical order. GPT-2's fused Conv1D projections are
 * not supported.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { checkLoraConfig } from "./lora.ts";
 * const c = { r: 4, alpha: 8, targets: ["v_proj", "q_proj"] };
 * assert.deepEqual(checkLoraConfig(c, "llama", "lora"), ["q_proj", "v_proj"]);
 * assert.throws(() => checkLoraConfig(c, "gpt2", "lora"), /gpt2/);
 * assert.throws(() => checkLoraConfig({ ...c, targets: ["lm_head"] }, "llama", "lora"), /lm_head/);
 * ```
 */
export function checkLoraConfig(c: LoraConfig, arch: string, where: string): string[] {
  if (arch === "gpt2") {
    throw new UserError(
      `${where}: LoRA adapters are supported for llama/qwen2/qwen3 models, not gpt2 (its fused ` +
        `c_attn/c_proj/c_fc Conv1D projections have no adapter mapping here); use full fine-tuning`,
    );
  }
  if (!Number.isInteger(c.r) || c.r < 1) {
    throw new UserError(`${where}: r must be an integer ≥ 1, got ${c.r}`);
  }
  if (typeof c.alpha !== "number" || !Number.isFinite(c.alpha)) {
    throw new UserError(`${where}: alpha must be a finite number, got ${c.alpha}`);
  }
  if (!Array.isArray(c.targets) || c.targets.length === 0) {
    throw new UserError(
      `${where}: targets must list one or more of ${LORA_TARGETS.join(", ")}`,
    );
  }
  for (const t of c.targets) {
    if (!(LORA_TARGETS as readonly string[]).includes(t)) {
      throw new UserError(
        `${where}: target '${t}' is not supported; expected some of ${LORA_TARGETS.join(", ")}`,
      );
    }
  }
  return LORA_TARGETS.filter((t) => c.targets.includes(t));
}

/**
 * `cfg` with its `lora` field set from an adapter config (checked; targets in canonical order,
 * so equal adapters give equal configs and share compiled sessions).
 *
 * @example
 * ```ts ignore
 * import { withLoraConfig } from "./lora.ts";
 * declare const cfg: import("./transformer.ts").TransformerConfig;
 * const lcfg = withLoraConfig(cfg, { r: 8, alpha: 16, targets: ["q_proj", "v_proj"] });
 * // lcfg.lora = { r: 8, scale: 2, targets: ["q_proj", "v_proj"] }
 * ```
 */
export function withLoraConfig<C extends TransformerConfig>(cfg: C, c: LoraConfig): C {
  const targets = checkLoraConfig(c, cfg.arch, "lora");
  return { ...cfg, lora: { r: c.r, scale: loraScale(c), targets } };
}

/** `cfg` without its `lora` field (the base model's config). */
export function withoutLoraConfig<C extends TransformerConfig>(cfg: C): C {
  const { lora: _, ...rest } = cfg;
  return rest as C;
}

/** The HF module path of a projection in layer `i`, e.g. `model.layers.0.self_attn.q_proj`. */
export function loraModule(i: number, target: string): string {
  const block = ["q_proj", "k_proj", "v_proj", "o_proj"].includes(target) ? "self_attn" : "mlp";
  return `model.layers.${i}.${block}.${target}`;
}

/** `[out, in]` of a targeted projection. */
function projDims(cfg: TransformerConfig, target: string): [number, number] {
  const { hidden: h, intermediate: f } = cfg;
  const q = cfg.heads * cfg.headDim, kv = cfg.kvHeads * cfg.headDim;
  const dims: Record<string, [number, number]> = {
    q_proj: [q, h],
    k_proj: [kv, h],
    v_proj: [kv, h],
    o_proj: [h, q],
    gate_proj: [f, h],
    up_proj: [f, h],
    down_proj: [h, f],
  };
  const d = dims[target];
  if (!d) throw new UserError(`lora: unknown target '${target}'`);
  return d;
}

/** `cfg.lora`, or a {@link UserError} naming `fn` when the config has no adapter. */
function graphLora(cfg: TransformerConfig, fn: string): LoraGraphConfig {
  if (!cfg.lora) throw new UserError(`${fn}: the model config has no 'lora' field`);
  return cfg.lora;
}

/**
 * Adapter parameter names and shapes for a config with `lora` set: per layer and target,
 * `{module}.lora_A.weight` `[r, in]` then `{module}.lora_B.weight` `[out, r]`, layer-major.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { loraShapes } from "./lora.ts";
 * const cfg = {
 *   arch: "llama" as const, vocabSize: 10, hidden: 8, layers: 1, heads: 2, kvHeads: 1,
 *   headDim: 4, intermediate: 12, maxPositions: 16, ropeTheta: 1e4, normEps: 1e-5,
 *   qkvBias: false, tieEmbeddings: true, lora: { r: 2, scale: 1, targets: ["v_proj"] },
 * };
 * assert.deepEqual(loraShapes(cfg), {
 *   "model.layers.0.self_attn.v_proj.lora_A.weight": [2, 8],
 *   "model.layers.0.self_attn.v_proj.lora_B.weight": [4, 2],
 * });
 * ```
 */
export function loraShapes(cfg: TransformerConfig): Record<string, number[]> {
  const { r, targets } = graphLora(cfg, "loraShapes");
  const s: Record<string, number[]> = {};
  for (let i = 0; i < cfg.layers; i++) {
    for (const t of targets) {
      const [out, inDim] = projDims(cfg, t), m = loraModule(i, t);
      s[`${m}.lora_A.weight`] = [r, inDim];
      s[`${m}.lora_B.weight`] = [out, r];
    }
  }
  return s;
}

/**
 * A fresh adapter drawn from an explicit seed, initialized as PEFT's default: `A` from
 * Kaiming-uniform with `a = √5` (uniform on `±1/√in`), `B` zeros — so a fresh adapter leaves
 * the model's output unchanged.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { initLora } from "./lora.ts";
 * const cfg = {
 *   arch: "qwen2" as const, vocabSize: 10, hidden: 8, layers: 1, heads: 2, kvHeads: 1,
 *   headDim: 4, intermediate: 12, maxPositions: 16, ropeTheta: 1e4, normEps: 1e-6,
 *   qkvBias: true, tieEmbeddings: true, lora: { r: 2, scale: 1, targets: ["q_proj"] },
 * };
 * const p = initLora(cfg, 0);
 * const a = p["model.layers.0.self_attn.q_proj.lora_A.weight"].data;
 * assert.ok(a.every((x) => Math.abs(Number(x)) <= 1 / Math.sqrt(8)));
 * assert.ok(p["model.layers.0.self_attn.q_proj.lora_B.weight"].data.every((x) => x === 0));
 * ```
 */
export function initLora(
  cfg: TransformerConfig,
  seed: number | string,
  opts: { dtype?: "float32" | "float64" } = {},
): ParamStore {
  graphLora(cfg, "initLora");
  const rng = makeRng(`lora/${seed}`);
  const out: ParamStore = {};
  for (const [name, dims] of Object.entries(loraShapes(cfg))) {
    const n = dims[0] * dims[1];
    const data = opts.dtype === "float64" ? new Float64Array(n) : new Float32Array(n);
    if (name.endsWith(".lora_A.weight")) {
      const bound = 1 / Math.sqrt(dims[1]);
      for (let i = 0; i < n; i++) data[i] = (2 * rng.next() - 1) * bound;
    }
    out[name] = { data, dims };
  }
  return out;
}

/**
 * Checks adapter tensors against the shapes a config expects (`where` names the source in
 * messages): every expected name present with its shape, no other name.
 */
export function checkLoraParams(cfg: TransformerConfig, params: ParamStore, where: string): void {
  const shapes = loraShapes(cfg);
  for (const [name, dims] of Object.entries(shapes)) {
    const t = params[name];
    if (!t) throw new UserError(`${where}: adapter tensor '${name}' is missing`);
    if (t.dims.length !== dims.length || t.dims.some((d, i) => d !== dims[i])) {
      throw new UserError(
        `${where}: adapter tensor '${name}' has shape [${t.dims}], expected [${dims}] ` +
          `(r = ${cfg.lora!.r} and the base model's projection sizes)`,
      );
    }
  }
  for (const name of Object.keys(params)) {
    if (!(name in shapes)) {
      throw new UserError(
        `${where}: unexpected adapter tensor '${name}' (targets: ${
          cfg.lora!.targets.join(", ")
        }; ` +
          `layers: ${cfg.layers})`,
      );
    }
  }
}

/**
 * The base weights with each targeted projection replaced by `W + scale·B·A` (computed in
 * float64, stored in `W`'s array type); untargeted tensors are shared, not copied.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { mergeLoraWeights } from "./lora.ts";
 * const cfg = {
 *   arch: "llama" as const, vocabSize: 4, hidden: 2, layers: 1, heads: 1, kvHeads: 1,
 *   headDim: 2, intermediate: 2, maxPositions: 8, ropeTheta: 1e4, normEps: 1e-5,
 *   qkvBias: false, tieEmbeddings: true, lora: { r: 1, scale: 2, targets: ["q_proj"] },
 * };
 * const m = "model.layers.0.self_attn.q_proj";
 * const merged = mergeLoraWeights(cfg, {
 *   [`${m}.weight`]: { data: new Float32Array([1, 0, 0, 1]), dims: [2, 2] },
 * }, {
 *   [`${m}.lora_A.weight`]: { data: new Float32Array([1, 2]), dims: [1, 2] },
 *   [`${m}.lora_B.weight`]: { data: new Float32Array([3, 0]), dims: [2, 1] },
 * });
 * assert.deepEqual(Array.from(merged[`${m}.weight`].data as Float32Array), [7, 12, 0, 1]);
 * ```
 */
export function mergeLoraWeights(
  cfg: TransformerConfig,
  base: ParamStore,
  adapter: ParamStore,
): ParamStore {
  const { r, scale, targets } = graphLora(cfg, "mergeLoraWeights");
  const out: ParamStore = { ...base };
  for (let l = 0; l < cfg.layers; l++) {
    for (const t of targets) {
      const m = loraModule(l, t), w = base[`${m}.weight`];
      const a = adapter[`${m}.lora_A.weight`], b = adapter[`${m}.lora_B.weight`];
      if (!w || !a || !b) {
        throw new UserError(`mergeLoraWeights: '${m}' needs its weight, lora_A and lora_B`);
      }
      if (w.data instanceof Uint16Array) {
        throw new UserError(
          `mergeLoraWeights: '${m}.weight' holds float16 bits (a float16 base): widen the base ` +
            "first (widenFloat16), or use mergeAdapter, which does",
        );
      }
      const [rows, cols] = w.dims;
      const data = w.data instanceof Float64Array
        ? new Float64Array(rows * cols)
        : new Float32Array(rows * cols);
      const wd = w.data as Float32Array | Float64Array;
      const ad = a.data as Float32Array | Float64Array, bd = b.data as Float32Array | Float64Array;
      for (let i = 0; i < rows; i++) {
        for (let j = 0; j < cols; j++) {
          let s = 0;
          for (let k = 0; k < r; k++) s += bd[i * r + k] * ad[k * cols + j];
          data[i * cols + j] = wd[i * cols + j] + scale * s;
        }
      }
      out[`${m}.weight`] = { data, dims: [rows, cols] };
    }
  }
  return out;
}
