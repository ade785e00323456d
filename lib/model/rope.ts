/**
 * Rotary position embeddings: the inverse frequencies `inv_freq[i] = 1/θ^(2i/d)` and the two
 * `rope_scaling` schemes supported here, which change only those frequencies (computed in TS
 * when the graph is built): `linear` (all divided by `factor`) and `llama3` (Llama 3.1+: low
 * frequencies divided by `factor`, high ones kept, a smooth blend in between). Other schemes
 * (`dynamic`, `yarn`, `longrope`, …) are rejected with a {@link UserError} naming the file.
 *
 * @module
 */

import { UserError } from "../util/errors.ts";
import { intField, type JsonObject, numberField } from "./json_fields.ts";

/** A supported `rope_scaling` (HF field names in the comments). */
export type RopeScaling =
  | {
    /** `rope_type: "linear"`: positions divided by `factor`. */
    type: "linear";
    /** `factor`. */
    factor: number;
  }
  | {
    /** `rope_type: "llama3"`. */
    type: "llama3";
    /** `factor`. */
    factor: number;
    /** `low_freq_factor`. */
    lowFreqFactor: number;
    /** `high_freq_factor`. */
    highFreqFactor: number;
    /** `original_max_position_embeddings`. */
    originalMaxPositions: number;
  };

/** `rope_type` values accepted in `config.json`, as listed in error messages. */
export const SUPPORTED_ROPE_TYPES = ["default", "linear", "llama3"] as const;

/**
 * Reads `rope_scaling` (transformers v4) or the `rope_type` of `rope_parameters` (v5) from a
 * llama/qwen2 `config.json` object. `undefined` means plain RoPE.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { parseRopeScaling } from "./rope.ts";
 * assert.deepEqual(parseRopeScaling({ rope_scaling: { rope_type: "linear", factor: 2 } }, "config.json"), { type: "linear", factor: 2 });
 * ```
 */
export function parseRopeScaling(j: JsonObject, file: string): RopeScaling | undefined {
  const key = j.rope_scaling != null ? "rope_scaling" : "rope_parameters";
  const raw = j[key];
  if (raw === undefined || raw === null) return undefined;
  if (typeof raw !== "object" || Array.isArray(raw)) {
    throw new UserError(`${file}: field '${key}' must be an object, got ${JSON.stringify(raw)}`);
  }
  const r = raw as JsonObject;
  const type = r.rope_type ?? r.type ?? "default";
  const f = `${key}`;
  if (type === "default") return undefined;
  if (type === "linear") {
    return { type, factor: numberField(r, "factor", `${file}: ${f}`, NaN) };
  }
  if (type === "llama3") {
    const where = `${file}: ${f}`;
    const s: RopeScaling = {
      type,
      factor: numberField(r, "factor", where, NaN),
      lowFreqFactor: numberField(r, "low_freq_factor", where, NaN),
      highFreqFactor: numberField(r, "high_freq_factor", where, NaN),
      originalMaxPositions: intField(r, "original_max_position_embeddings", where),
    };
    if (!(s.highFreqFactor > s.lowFreqFactor)) {
      throw new UserError(
        `${where}: 'high_freq_factor' (${s.highFreqFactor}) must exceed 'low_freq_factor' (${s.lowFreqFactor})`,
      );
    }
    return s;
  }
  throw new UserError(
    `${file}: field '${f}' has rope_type ${JSON.stringify(type)}, which is not supported ` +
      `(supported: ${SUPPORTED_ROPE_TYPES.join(", ")})`,
  );
}

/** The HF `config.json` form of a {@link RopeScaling} (for `rope_scaling`). */
export function ropeScalingToHf(s: RopeScaling): Record<string, unknown> {
  if (s.type === "linear") return { rope_type: "linear", factor: s.factor };
  return {
    rope_type: "llama3",
    factor: s.factor,
    low_freq_factor: s.lowFreqFactor,
    high_freq_factor: s.highFreqFactor,
    original_max_position_embeddings: s.originalMaxPositions,
  };
}

/**
 * The `headDim / 2` rotary inverse frequencies, in float64, as HF computes them
 * (`_compute_default_rope_parameters`, `_compute_linear_scaling_rope_parameters`,
 * `_compute_llama3_parameters`).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { ropeInvFreq } from "./rope.ts";
 * assert.deepEqual(ropeInvFreq(4, 10000), [1, 0.01]);
 * assert.deepEqual(ropeInvFreq(4, 10000, { type: "linear", factor: 2 }), [0.5, 0.005]);
 * ```
 */
export function ropeInvFreq(headDim: number, theta: number, scaling?: RopeScaling): number[] {
  const inv = Array.from({ length: headDim / 2 }, (_, i) => 1 / theta ** ((2 * i) / headDim));
  if (!scaling) return inv;
  if (scaling.type === "linear") return inv.map((x) => x / scaling.factor);
  const { factor, lowFreqFactor: lo, highFreqFactor: hi, originalMaxPositions: old } = scaling;
  const lowWavelen = old / lo, highWavelen = old / hi;
  return inv.map((x) => {
    const wavelen = (2 * Math.PI) / x;
    if (wavelen > lowWavelen) return x / factor;
    if (wavelen < highWavelen) return x;
    const smooth = (old / wavelen - lo) / (hi - lo);
    return (1 - smooth) * (x / factor) + smooth * x;
  });
}
