/**
 * Writing safetensors files (the reader and the format's description are in `safetensors.ts`):
 * tensors are checked, laid out in a deterministic order with the header padded to 8 bytes, and
 * written atomically (temporary file in the same folder, then rename).
 *
 * @module
 */

import { UserError } from "../util/errors.ts";
import { f32ToBf16, f32ToF16 } from "./float_bits.ts";
import {
  type NamedTensor,
  numElements,
  parseMetadata,
  SAFETENSORS_DTYPES,
  type SafetensorsDtype,
  tensorByteLength,
  type TensorMap,
} from "./safetensors.ts";

/** Data order of the reference (Rust) writer: larger alignment first, then by name. */
const DTYPE_RANK: Record<SafetensorsDtype, number> = {
  I64: 0,
  F32: 1,
  I32: 2,
  BF16: 3,
  F16: 4,
};
const isCount = (x: unknown): x is number => Number.isSafeInteger(x) && (x as number) >= 0;
const isDtype = (d: unknown): d is SafetensorsDtype =>
  typeof d === "string" && (SAFETENSORS_DTYPES as readonly string[]).includes(d);

/** Checks one tensor before saving: dtype known, shape valid, array kind and length match. */
function checkTensor(name: string, t: NamedTensor): void {
  const where = `saveSafetensors: tensor '${name}'`;
  if (!isDtype(t.dtype)) {
    throw new UserError(
      `${where} has unknown dtype ${JSON.stringify(t.dtype)} (supported: ${
        SAFETENSORS_DTYPES.join(", ")
      })`,
    );
  }
  if (!Array.isArray(t.shape) || !t.shape.every(isCount)) {
    throw new UserError(
      `${where} shape must be non-negative integers, got ${JSON.stringify(t.shape)}`,
    );
  }
  const want = t.dtype === "I32" ? Int32Array : t.dtype === "I64" ? BigInt64Array : Float32Array;
  if (!(t.data instanceof want)) {
    throw new UserError(
      `${where} with dtype ${t.dtype} needs a ${want.name}, got ${t.data?.constructor?.name}`,
    );
  }
  if (t.data.length !== numElements(t.shape)) {
    throw new UserError(
      `${where} has ${t.data.length} values but shape [${t.shape}] needs ${numElements(t.shape)}`,
    );
  }
}

/** The bytes of one tensor in its storage dtype (a view for `F32`/`I32`/`I64`). */
function tensorBytes(t: NamedTensor): Uint8Array {
  const d = t.data;
  if (t.dtype === "F16") {
    return new Uint8Array(f32ToF16(d as Float32Array).buffer);
  }
  if (t.dtype === "BF16") {
    return new Uint8Array(f32ToBf16(d as Float32Array).buffer);
  }
  return new Uint8Array(d.buffer, d.byteOffset, d.byteLength);
}

/**
 * Header bytes (length prefix + JSON padded with spaces to a multiple of 8) and the data order:
 * larger dtypes first, then by name, as the reference writer does, so files are deterministic.
 */
function layout(
  tensors: TensorMap,
  metadata?: Record<string, string>,
): { prefix: Uint8Array; order: string[] } {
  const order = Object.keys(tensors).sort((a, b) =>
    DTYPE_RANK[tensors[a].dtype] - DTYPE_RANK[tensors[b].dtype] ||
    (a < b ? -1 : a > b ? 1 : 0)
  );
  const header: Record<string, unknown> = {};
  if (metadata) {
    header.__metadata__ = parseMetadata(metadata, "saveSafetensors");
  }
  let offset = 0;
  for (const name of order) {
    if (name === "__metadata__") {
      throw new UserError(
        `saveSafetensors: '__metadata__' is reserved, not a tensor name`,
      );
    }
    const t = tensors[name];
    checkTensor(name, t);
    const end = offset + tensorByteLength(t);
    header[name] = {
      dtype: t.dtype,
      shape: t.shape,
      data_offsets: [offset, end],
    };
    offset = end;
  }
  let json = new TextEncoder().encode(JSON.stringify(header));
  const padded = Math.ceil(json.length / 8) * 8;
  if (padded !== json.length) {
    const p = new Uint8Array(padded).fill(0x20);
    p.set(json);
    json = p;
  }
  const prefix = new Uint8Array(8 + json.length);
  new DataView(prefix.buffer).setBigUint64(0, BigInt(json.length), true);
  prefix.set(json, 8);
  return { prefix, order };
}

/**
 * Writes a file atomically: the bytes go to a temporary file in the same folder, which is then
 * renamed over `path`, so readers never see half a file. `write` receives the open temp file.
 */
export async function writeFileAtomic(
  path: string,
  write: Uint8Array | ((f: Deno.FsFile) => Promise<void>),
): Promise<void> {
  const slash = path.lastIndexOf("/");
  const dir = slash >= 0 ? path.slice(0, slash) || "/" : ".";
  const base = slash >= 0 ? path.slice(slash + 1) : path;
  const tmp = `${dir}/.${base}.tmp-${Deno.pid}-${crypto.randomUUID().slice(0, 8)}`;
  try {
    const f = await Deno.open(tmp, {
      write: true,
      create: true,
      truncate: true,
    });
    try {
      if (write instanceof Uint8Array) {
        for (let done = 0; done < write.length;) {
          done += await f.write(write.subarray(done));
        }
      } else await write(f);
    } finally {
      f.close();
    }
    await Deno.rename(tmp, path);
  } catch (err) {
    await Deno.remove(tmp).catch(() => {});
    if (err instanceof UserError) throw err;
    throw new UserError(`${path}: cannot write (${(err as Error).message})`, {
      cause: err,
    });
  }
}

/**
 * Saves tensors as a safetensors file, atomically, one tensor at a time (no whole-file buffer).
 * Floating tensors are converted to their `dtype` (`F16`/`BF16` round to nearest even).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { saveSafetensors } from "./safetensors_write.ts";
 * import { loadSafetensors } from "./safetensors.ts";
 * const path = `${await Deno.makeTempDir()}/model.safetensors`; // e.g. out/model.safetensors
 * await saveSafetensors(path, {
 *   "model.norm.weight": { dtype: "BF16", shape: [4], data: new Float32Array([1, 1, 1, 1]) },
 * }, { format: "pt" });
 * assert.deepEqual((await loadSafetensors(path)).tensors["model.norm.weight"].shape, [4]);
 * ```
 */
export async function saveSafetensors(
  path: string,
  tensors: TensorMap,
  metadata?: Record<string, string>,
): Promise<void> {
  const { prefix, order } = layout(tensors, metadata);
  await writeFileAtomic(path, async (f) => {
    for (const bytes of [prefix, ...order.map((n) => tensors[n])]) {
      const b = bytes instanceof Uint8Array ? bytes : tensorBytes(bytes);
      for (let done = 0; done < b.length;) {
        done += await f.write(b.subarray(done));
      }
    }
  });
}
