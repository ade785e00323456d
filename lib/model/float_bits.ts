/**
 * Bit-exact conversions between fp32 values and the 16-bit float formats stored in checkpoints:
 * fp16 (IEEE half) and bf16 (the high half of an fp32). Widening is exact; narrowing rounds to
 * nearest even, keeps NaN a NaN and overflows fp16 to ±inf.
 *
 * @module
 */

let f16Table: Uint32Array | undefined;

/** fp32 bit patterns of all 65536 fp16 values (exact, NaN payloads kept), built once. */
function f16ToF32Table(): Uint32Array {
  if (f16Table) return f16Table;
  const t = new Uint32Array(65536);
  for (let h = 0; h < 65536; h++) {
    const sign = (h & 0x8000) << 16, exp = (h >>> 10) & 0x1f, mant = h & 0x3ff;
    if (exp === 31) t[h] = sign | 0x7f800000 | (mant << 13);
    else if (exp !== 0) t[h] = sign | ((exp + 112) << 23) | (mant << 13);
    else if (mant === 0) t[h] = sign;
    else {
      let e = 113, m = mant; // subnormal: shift until the hidden bit appears
      while ((m & 0x400) === 0) (m <<= 1), e--;
      t[h] = sign | (e << 23) | ((m & 0x3ff) << 13);
    }
  }
  return (f16Table = t);
}

/** Converts fp16 bit patterns to fp32 values (exact, one table lookup per element). */
export function f16ToF32(bits: Uint16Array): Float32Array {
  const out = new Float32Array(bits.length),
    o = new Uint32Array(out.buffer),
    t = f16ToF32Table();
  for (let i = 0; i < bits.length; i++) o[i] = t[bits[i]];
  return out;
}

/** Converts bf16 bit patterns to fp32 values (exact: the bits become the high half). */
export function bf16ToF32(bits: Uint16Array): Float32Array {
  const out = new Float32Array(bits.length), o = new Uint16Array(out.buffer);
  for (let i = 0; i < bits.length; i++) o[2 * i + 1] = bits[i];
  return out;
}

/** Rounds fp32 values to bf16 bit patterns (nearest even; NaN stays NaN, payload truncated). */
export function f32ToBf16(values: Float32Array): Uint16Array {
  const u = new Uint32Array(values.buffer, values.byteOffset, values.length);
  const out = new Uint16Array(values.length);
  for (let i = 0; i < u.length; i++) {
    const x = u[i];
    if ((x & 0x7fffffff) > 0x7f800000) {
      out[i] = (x >>> 16) | ((x & 0x7f0000) === 0 ? 0x40 : 0);
    } else out[i] = (x + 0x7fff + ((x >>> 16) & 1)) >>> 16;
  }
  return out;
}

/** Rounds fp32 values to fp16 bit patterns (nearest even, overflow to ±inf, subnormals kept). */
export function f32ToF16(values: Float32Array): Uint16Array {
  const u = new Uint32Array(values.buffer, values.byteOffset, values.length);
  const out = new Uint16Array(values.length);
  for (let i = 0; i < u.length; i++) {
    const x = u[i],
      sign = (x >>> 16) & 0x8000,
      exp = (x >>> 23) & 0xff,
      mant = x & 0x7fffff;
    const e = exp - 112; // rebias 127 → 15
    let h: number, rem: number, half: number;
    if (exp === 0xff) {
      out[i] = sign | 0x7c00 | (mant === 0 ? 0 : (mant >>> 13) || 0x200);
      continue;
    } else if (e >= 31) {
      out[i] = sign | 0x7c00;
      continue;
    } else if (e > 0) {
      (h = (e << 10) | (mant >>> 13)), (rem = mant & 0x1fff), (half = 0x1000);
    } else if (e >= -10) {
      const m = mant | 0x800000, shift = 14 - e;
      (h = m >>> shift), (rem = m & ((1 << shift) - 1)), (half = 1 << (shift - 1));
    } else {
      out[i] = sign;
      continue;
    }
    if (rem > half || (rem === half && (h & 1) === 1)) h++; // a carry may reach the exponent: correct
    out[i] = sign | h;
  }
  return out;
}
