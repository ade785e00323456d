/**
 * CRC-32C (Castagnoli polynomial, reflected 0x82F63B78), as TFRecord files use it, and
 * TFRecord's masked form `((crc >>> 15) | (crc << 17)) + 0xa282ead8` (mod 2³²).
 *
 * @module
 */

const TABLE = (() => {
  const t = new Uint32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? (c >>> 1) ^ 0x82f63b78 : c >>> 1;
    t[n] = c >>> 0;
  }
  return t;
})();

/**
 * The CRC-32C of `bytes` as an unsigned 32-bit number.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { crc32c } from "./crc32c.ts";
 * assert.deepEqual(crc32c(new TextEncoder().encode("123456789")).toString(16), "e3069283");
 * ```
 */
export function crc32c(bytes: Uint8Array): number {
  let c = 0xffffffff;
  for (let i = 0; i < bytes.length; i++) c = TABLE[(c ^ bytes[i]) & 0xff] ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}

/**
 * TFRecord's masked CRC-32C of `bytes`.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { maskedCrc32c } from "./crc32c.ts";
 * assert.equal(maskedCrc32c(new Uint8Array(0)), 0xa282ead8); // the CRC of nothing is 0, masked
 * ```
 */
export function maskedCrc32c(bytes: Uint8Array): number {
  const c = crc32c(bytes);
  return ((((c >>> 15) | (c << 17)) >>> 0) + 0xa282ead8) >>> 0;
}
