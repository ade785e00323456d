/**
 * What travels through Redis, encoded so that nothing changes on the way: job payloads and
 * results as JSON in which every number survives exactly ({@link encodeExact}: `-0`, `NaN` and
 * the infinities, which JSON would lose, become tagged strings), policy weights as one binary
 * blob ({@link packParams}) named by its content ({@link paramsVersion}), and the payload cap
 * ({@link checkPayload}).
 *
 * @module
 */
import type { ParamStore } from "../engine/param_types.ts";
import type { HostData } from "../engine/runtime.ts";
import { UserError } from "../util/errors.ts";
export type { ParamStore };

const TAG = "$num";

/**
 * A JSON-safe copy of `value` in which `-0`, `NaN`, `Infinity` and `-Infinity` become
 * `{ "$num": "<text>" }` (JSON would write them as `0` or `null`). Plain objects and arrays only.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { decodeExact, encodeExact } from "./codec.ts";
 * const v = { a: [-0, 0.1, NaN, -Infinity], b: "x" };
 * const back = decodeExact(JSON.parse(JSON.stringify(encodeExact(v)))) as typeof v;
 * assert.ok(Object.is(back.a[0], -0));
 * assert.ok(Number.isNaN(back.a[2]));
 * assert.equal(back.a[3], -Infinity);
 * assert.equal(back.a[1], 0.1);
 * ```
 */
export function encodeExact(value: unknown): unknown {
  if (typeof value === "number") {
    return Number.isFinite(value) && !Object.is(value, -0)
      ? value
      : { [TAG]: Object.is(value, -0) ? "-0" : String(value) };
  }
  if (Array.isArray(value)) return value.map(encodeExact);
  if (value && typeof value === "object") {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, encodeExact(v)]));
  }
  return value;
}

/** The value {@link encodeExact} encoded. */
export function decodeExact(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(decodeExact);
  if (value && typeof value === "object") {
    const o = value as Record<string, unknown>;
    const keys = Object.keys(o);
    if (keys.length === 1 && keys[0] === TAG && typeof o[TAG] === "string") {
      return o[TAG] === "-0" ? -0 : Number(o[TAG]);
    }
    return Object.fromEntries(keys.map((k) => [k, decodeExact(o[k])]));
  }
  return value;
}

/**
 * Throws a {@link UserError} naming `what` when `json` is longer than `max` bytes (UTF-8).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { checkPayload } from "./codec.ts";
 * checkPayload("{}", 10, "job");
 * assert.throws(() => checkPayload("x".repeat(11), 10, "reward job of row 3"), /row 3.*11 bytes/);
 * ```
 */
export function checkPayload(json: string, max: number, what: string): void {
  const bytes = new TextEncoder().encode(json).length;
  if (bytes > max) {
    throw new UserError(
      `${what} is ${bytes} bytes, over distributed.maxPayloadBytes (${max}): raise it, or ` +
        `shorten prompts and completions (sampling.maxNewTokens)`,
    );
  }
}

const DTYPES = {
  float32: Float32Array,
  float64: Float64Array,
  int32: Int32Array,
  uint8: Uint8Array,
  uint16: Uint16Array,
} as const;
type DName = keyof typeof DTYPES;

function dtypeOf(data: HostData, name: string): DName {
  for (const [k, C] of Object.entries(DTYPES)) if (data instanceof C) return k as DName;
  throw new UserError(
    `cannot publish tensor '${name}': unsupported storage ${data.constructor.name}`,
  );
}

/**
 * A parameter store as one blob: a 4-byte header length, a JSON header (names, dtypes, dims,
 * byte offsets) and the tensors' bytes, each 8-byte aligned. {@link unpackParams} reads it back
 * bit for bit.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { packParams, unpackParams } from "./codec.ts";
 * const p = { w: { data: Float32Array.of(1.5, -0, NaN), dims: [3] } };
 * const q = unpackParams(packParams(p));
 * assert.deepEqual(new Uint8Array(q.w.data.buffer), new Uint8Array(p.w.data.buffer));
 * assert.deepEqual(q.w.dims, [3]);
 * ```
 */
export function packParams(params: ParamStore): Uint8Array {
  const names = Object.keys(params).sort();
  const entries: { name: string; dtype: DName; dims: number[]; offset: number; bytes: number }[] =
    [];
  let offset = 0;
  for (const name of names) {
    const t = params[name];
    const bytes = t.data.byteLength;
    entries.push({ name, dtype: dtypeOf(t.data, name), dims: [...t.dims], offset, bytes });
    offset += Math.ceil(bytes / 8) * 8;
  }
  const header = new TextEncoder().encode(JSON.stringify(entries));
  const start = Math.ceil((4 + header.length) / 8) * 8;
  const out = new Uint8Array(start + offset);
  new DataView(out.buffer).setUint32(0, header.length, true);
  out.set(header, 4);
  for (const [i, name] of names.entries()) {
    const d = params[name].data;
    out.set(new Uint8Array(d.buffer, d.byteOffset, d.byteLength), start + entries[i].offset);
  }
  return out;
}

/** The parameter store of a {@link packParams} blob (tensors copied out of it). */
export function unpackParams(blob: Uint8Array): ParamStore {
  const view = new DataView(blob.buffer, blob.byteOffset, blob.byteLength);
  const n = view.getUint32(0, true);
  const entries = JSON.parse(new TextDecoder().decode(blob.subarray(4, 4 + n))) as {
    name: string;
    dtype: DName;
    dims: number[];
    offset: number;
    bytes: number;
  }[];
  const start = Math.ceil((4 + n) / 8) * 8, out: ParamStore = {};
  for (const e of entries) {
    const bytes = blob.slice(start + e.offset, start + e.offset + e.bytes);
    out[e.name] = { data: new DTYPES[e.dtype](bytes.buffer), dims: e.dims };
  }
  return out;
}

/**
 * The version name of a packed policy: the first 24 hex digits of its SHA-256 (the same weights
 * always get the same name, so a restarted trainer never confuses two versions).
 */
export async function paramsVersion(blob: Uint8Array): Promise<string> {
  const digest = new Uint8Array(await crypto.subtle.digest("SHA-256", blob as BufferSource));
  return [...digest.slice(0, 12)].map((b) => b.toString(16).padStart(2, "0")).join("");
}
