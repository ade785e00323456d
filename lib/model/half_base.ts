/**
 * A frozen base kept in half precision: tensors of any stored floating dtype become float16 bit
 * patterns (`Uint16Array`), which the graphs widen to float32 inside ORT (see `inputs.ts`). F16 is
 * kept as stored; BF16 and F32 are rounded to the nearest float16, counting the values that
 * overflow (finite → ±inf: refused by the loader), underflow (non-zero → ±0) or are rounded.
 * onnxruntime-node 1.30 has no bfloat16 tensors (its `Tensor` type list has `float16` only), so
 * a bf16 checkpoint is converted: exact for |x| in [2⁻¹⁴, 65504] (bf16's 8 significant bits fit
 * float16's 11), rounded below, infinite above.
 *
 * @module
 */
import { bf16ToF32, f16ToF32, f32ToF16 } from "./float_bits.ts";
import type { NamedTensor } from "./safetensors.ts";
import { UserError } from "../util/errors.ts";

/** What narrowing to float16 did to a tensor's values. */
export interface HalfStats {
  /** Values converted. */
  values: number;
  /** Finite values that became ±inf (|x| ≥ 65520). */
  overflow: number;
  /** Non-zero values that became ±0 (|x| ≤ 2⁻²⁵). */
  underflow: number;
  /** Other values that changed (rounded to float16's precision; subnormals in bf16 data). */
  inexact: number;
}

/** Zero counts for `values` values. */
export function noHalfLoss(values = 0): HalfStats {
  return { values, overflow: 0, underflow: 0, inexact: 0 };
}

/** Adds `b`'s counts to `a` (in place) and returns `a`. */
export function addHalfStats(a: HalfStats, b: HalfStats): HalfStats {
  a.values += b.values;
  a.overflow += b.overflow;
  a.underflow += b.underflow;
  a.inexact += b.inexact;
  return a;
}

const CHUNK = 1 << 16; // 64K values: small temporaries that the allocator reuses

/**
 * A tensor's values as float16 bit patterns, with what the rounding did. `F16` data read with
 * `keepHalf` is returned as is; `BF16` bit patterns, and fp32 values of any dtype, are rounded to
 * nearest even (64K values at a time, so the temporary fp32 copy stays small). With `inPlace`,
 * `BF16` bit patterns are overwritten by the float16 ones in their own array (returned): no
 * second copy of the tensor is allocated, so converting a whole bf16 checkpoint leaves no
 * garbage the size of the checkpoint behind (the loader uses it).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { toFloat16 } from "./half_base.ts";
 * const t = { dtype: "F32" as const, shape: [4], data: new Float32Array([1, 1e5, 1e-9, 0.1]) };
 * const { data, stats } = toFloat16(t);
 * assert.deepEqual([data[0], data[1], data[2]], [0x3c00, 0x7c00, 0]); // 1, +inf, 0
 * assert.deepEqual(stats, { values: 4, overflow: 1, underflow: 1, inexact: 1 }); // 0.1 rounds
 * ```
 */
export function toFloat16(
  t: NamedTensor,
  opts: { inPlace?: boolean } = {},
): { data: Uint16Array; stats: HalfStats } {
  const src = t.data;
  if (src instanceof Uint16Array && t.dtype === "F16") {
    return { data: src, stats: noHalfLoss(src.length) };
  }
  if (!(src instanceof Float32Array) && !(src instanceof Uint16Array && t.dtype === "BF16")) {
    throw new UserError(
      `toFloat16: expected floating data (F32/F16/BF16), got ${t.dtype} ${src.constructor.name}`,
    );
  }
  const out = opts.inPlace && src instanceof Uint16Array ? src : new Uint16Array(src.length);
  const stats = noHalfLoss(src.length);
  for (let a = 0; a < src.length; a += CHUNK) {
    const b = Math.min(src.length, a + CHUNK);
    const x = src instanceof Float32Array ? src.subarray(a, b) : bf16ToF32(src.subarray(a, b));
    const h = f32ToF16(x), back = f16ToF32(h);
    out.set(h, a);
    for (let i = 0; i < x.length; i++) {
      const v = x[i], w = back[i];
      if (v === w || (v !== v && w !== w)) continue; // exact (NaN stays NaN)
      if (Number.isFinite(v) && !Number.isFinite(w)) stats.overflow++;
      else if (w === 0) stats.underflow++;
      else stats.inexact++;
    }
  }
  return { data: out, stats };
}

/**
 * Float16 bit patterns widened to float32 values (exact), e.g. to save a half base.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { widenFloat16 } from "./half_base.ts";
 * assert.deepEqual(Array.from(widenFloat16(new Uint16Array([0x3c00, 0xc000]))), [1, -2]);
 * ```
 */
export function widenFloat16(bits: Uint16Array): Float32Array {
  return f16ToF32(bits);
}

/** 16-bit patterns of `dtype` (`F16`, else `BF16`) widened to float32 values (exact). */
export function halfBitsToF32(bits: Uint16Array, dtype: string): Float32Array {
  return dtype === "F16" ? f16ToF32(bits) : bf16ToF32(bits);
}
