/**
 * The safetensors file format, read and written without dependencies: an 8-byte little-endian
 * header length `N`, `N` bytes of JSON header
 * `{name: {dtype, shape, data_offsets: [begin, end]}, "__metadata__"?: {key: string}}`, then the
 * raw little-endian tensor bytes. Floating tensors load as fp32 master weights (`Float32Array`)
 * and remember the dtype they were stored in, so saving them back reproduces the file bit for bit.
 *
 * @module
 */

import { UserError } from "../util/errors.ts";
import { bf16ToF32, f16ToF32 } from "./float_bits.ts";

/** The dtypes this toolkit reads and writes (`F16`/`BF16` load as fp32 values). */
export type SafetensorsDtype = "F32" | "F16" | "BF16" | "I32" | "I64";

/** The dtypes accepted in a header, in the order error messages list them. */
export const SAFETENSORS_DTYPES: readonly SafetensorsDtype[] = [
  "F32",
  "F16",
  "BF16",
  "I32",
  "I64",
];

const DTYPE_BYTES: Record<SafetensorsDtype, number> = {
  F32: 4,
  F16: 2,
  BF16: 2,
  I32: 4,
  I64: 8,
};

/**
 * One tensor: `dtype` is how it is (or will be) stored on disk; `data` holds fp32 values for
 * `F32`/`F16`/`BF16` (or, read with `keepHalf`, the `F16`/`BF16` bit patterns as stored, in a
 * `Uint16Array`), an `Int32Array` for `I32` and a `BigInt64Array` for `I64`, row-major.
 */
export interface NamedTensor {
  /** Storage dtype in the file. */
  dtype: SafetensorsDtype;
  /** Dimensions, outermost first; `[]` is a scalar. */
  shape: number[];
  /** Row-major values (`Float32Array` for every floating dtype, or 16-bit patterns). */
  data: Float32Array | Int32Array | BigInt64Array | Uint16Array;
}

/** Tensors by name. */
export type TensorMap = Record<string, NamedTensor>;

/** A whole safetensors file: its tensors and its optional string metadata. */
export interface SafetensorsContents {
  /** Tensors by name. */
  tensors: TensorMap;
  /** The `__metadata__` entry (string values only), when the file has one. */
  metadata?: Record<string, string>;
}

/** Where one tensor lives in a file, as its header says. */
export interface HeaderEntry {
  /** Tensor name. */
  name: string;
  /** Storage dtype. */
  dtype: SafetensorsDtype;
  /** Dimensions. */
  shape: number[];
  /** Byte range `[begin, end)` relative to the start of the data section. */
  offsets: [number, number];
}

/** A validated header: entries sorted by offset, metadata, and where the data section starts. */
export interface SafetensorsHeader {
  /** Tensor entries in data order. */
  entries: HeaderEntry[];
  /** The `__metadata__` entry, when present. */
  metadata?: Record<string, string>;
  /** Absolute byte offset of the data section (`8 + N`). */
  dataStart: number;
}

/** Number of elements of a shape (1 for a scalar). */
export function numElements(shape: readonly number[]): number {
  return shape.reduce((a, b) => a * b, 1);
}

/** Bytes one tensor takes on disk in its storage dtype. */
export function tensorByteLength(
  t: Pick<NamedTensor, "dtype" | "shape">,
): number {
  return numElements(t.shape) * DTYPE_BYTES[t.dtype];
}

const isDtype = (d: unknown): d is SafetensorsDtype =>
  typeof d === "string" && Object.hasOwn(DTYPE_BYTES, d);
const isCount = (x: unknown): x is number => Number.isSafeInteger(x) && (x as number) >= 0;

/**
 * Parses and checks a header. `headerBytes` is the JSON part; `dataLength` the number of bytes
 * after it. Every problem is a {@link UserError} naming `file` and the tensor.
 */
export function parseSafetensorsHeader(
  headerBytes: Uint8Array,
  dataLength: number,
  file: string,
): SafetensorsHeader {
  let json: unknown;
  try {
    json = JSON.parse(
      new TextDecoder("utf-8", { fatal: true }).decode(headerBytes),
    );
  } catch (err) {
    throw new UserError(
      `${file}: invalid JSON header (${(err as Error).message})`,
      { cause: err },
    );
  }
  if (json === null || typeof json !== "object" || Array.isArray(json)) {
    throw new UserError(`${file}: header must be a JSON object of tensors`);
  }
  let metadata: Record<string, string> | undefined;
  const entries: HeaderEntry[] = [];
  for (const [name, info] of Object.entries(json as Record<string, unknown>)) {
    if (name === "__metadata__") {
      metadata = parseMetadata(info, file);
      continue;
    }
    entries.push(parseEntry(name, info, dataLength, file));
  }
  entries.sort((a, b) => a.offsets[0] - b.offsets[0] || a.offsets[1] - b.offsets[1]);
  for (let i = 1; i < entries.length; i++) {
    const prev = entries[i - 1], cur = entries[i];
    if (cur.offsets[0] < prev.offsets[1]) {
      throw new UserError(
        `${file}: tensor '${cur.name}' data_offsets [${cur.offsets}] overlap tensor '${prev.name}' [${prev.offsets}]`,
      );
    }
  }
  return { entries, metadata, dataStart: 8 + headerBytes.length };
}

/** Checks a `__metadata__` object (string values only); errors name `file`. */
export function parseMetadata(info: unknown, file: string): Record<string, string> {
  if (info === null || typeof info !== "object" || Array.isArray(info)) {
    throw new UserError(`${file}: __metadata__ must be an object of strings`);
  }
  for (const [k, v] of Object.entries(info)) {
    if (typeof v !== "string") {
      throw new UserError(
        `${file}: __metadata__ value '${k}' must be a string, got ${JSON.stringify(v)}`,
      );
    }
  }
  return { ...(info as Record<string, string>) };
}

function parseEntry(
  name: string,
  info: unknown,
  dataLength: number,
  file: string,
): HeaderEntry {
  const where = `${file}: tensor '${name}'`;
  if (info === null || typeof info !== "object") {
    throw new UserError(`${where} must be an object`);
  }
  const { dtype, shape, data_offsets: offsets } = info as Record<
    string,
    unknown
  >;
  if (!isDtype(dtype)) {
    throw new UserError(
      `${where} has unknown dtype ${JSON.stringify(dtype)} (supported: ${
        SAFETENSORS_DTYPES.join(", ")
      })`,
    );
  }
  if (!Array.isArray(shape) || !shape.every(isCount)) {
    throw new UserError(
      `${where} shape must be an array of non-negative integers, got ${JSON.stringify(shape)}`,
    );
  }
  if (
    !Array.isArray(offsets) || offsets.length !== 2 ||
    !offsets.every(isCount) || offsets[0] > offsets[1]
  ) {
    throw new UserError(
      `${where} data_offsets out of range: expected [begin, end] with 0 <= begin <= end, got ${
        JSON.stringify(offsets)
      }`,
    );
  }
  const needed = numElements(shape) * DTYPE_BYTES[dtype];
  if (offsets[1] - offsets[0] !== needed) {
    throw new UserError(
      `${where} data_offsets [${offsets}] hold ${
        offsets[1] - offsets[0]
      } bytes but ${dtype} x [${shape}] needs ${needed}`,
    );
  }
  if (offsets[1] > dataLength) {
    throw new UserError(
      `${file}: truncated file: tensor '${name}' ends at data byte ${
        offsets[1]
      } but the file has only ${dataLength} data bytes`,
    );
  }
  return { name, dtype, shape: [...shape], offsets: [offsets[0], offsets[1]] };
}

/** Reads the 8-byte length prefix and checks it against the file size. */
function headerLength(
  prefix: Uint8Array,
  fileSize: number,
  file: string,
): number {
  if (fileSize < 8) {
    throw new UserError(
      `${file}: truncated file: ${fileSize} bytes, too short for the 8-byte header length`,
    );
  }
  const view = new DataView(prefix.buffer, prefix.byteOffset, 8);
  const n = view.getUint32(0, true) + view.getUint32(4, true) * 2 ** 32;
  if (n > fileSize - 8) {
    throw new UserError(
      `${file}: header length ${n} is beyond the file size (${fileSize} bytes)`,
    );
  }
  return n;
}

/** Reinterprets one tensor's own buffer (little-endian host) as its in-memory array. */
function decodeTensorBytes(
  buf: ArrayBuffer,
  dtype: SafetensorsDtype,
  keepHalf = false,
): NamedTensor["data"] {
  if (dtype === "F32") return new Float32Array(buf);
  if (dtype === "I32") return new Int32Array(buf);
  if (dtype === "I64") return new BigInt64Array(buf);
  if (keepHalf) return new Uint16Array(buf);
  return (dtype === "F16" ? f16ToF32 : bf16ToF32)(new Uint16Array(buf));
}

async function openForRead(path: string): Promise<Deno.FsFile> {
  try {
    if ((await Deno.stat(path)).isDirectory) {
      throw new UserError(`${path}: is a folder, expected a safetensors file`);
    }
    return await Deno.open(path, { read: true });
  } catch (err) {
    if (err instanceof UserError) throw err;
    if (err instanceof Deno.errors.NotFound) {
      throw new UserError(`${path}: file not found`, { cause: err });
    }
    throw new UserError(`${path}: cannot open (${(err as Error).message})`, {
      cause: err,
    });
  }
}

async function readExactly(
  f: Deno.FsFile,
  into: Uint8Array,
  file: string,
): Promise<void> {
  let done = 0;
  while (done < into.length) {
    const got = await f.read(into.subarray(done));
    if (got === null) {
      throw new UserError(
        `${file}: truncated file: unexpected end while reading tensor data`,
      );
    }
    done += got;
  }
}

async function readHeader(
  f: Deno.FsFile,
  path: string,
): Promise<SafetensorsHeader> {
  const size = (await f.stat()).size;
  const prefix = new Uint8Array(8);
  if (size >= 8) await readExactly(f, prefix, path);
  const n = headerLength(prefix, size, path);
  const headerBytes = new Uint8Array(n);
  await readExactly(f, headerBytes, path);
  return parseSafetensorsHeader(headerBytes, size - 8 - n, path);
}

/** Reads only the header of a safetensors file (names, dtypes, shapes, offsets). */
export async function readSafetensorsHeader(
  path: string,
): Promise<SafetensorsHeader> {
  const f = await openForRead(path);
  try {
    return await readHeader(f, path);
  } finally {
    f.close();
  }
}

/** Options of {@link loadSafetensors}. */
export interface LoadSafetensorsOptions {
  /**
   * Keep `F16`/`BF16` tensors as their stored 16-bit patterns (`Uint16Array`, half the memory of
   * fp32) instead of widening them (default false).
   */
  keepHalf?: boolean;
}

/**
 * Loads a safetensors file. Each tensor is read straight into its own fresh, aligned buffer
 * (never the whole file at once), so peak memory stays near the size of the fp32 weights (of
 * the stored weights with `keepHalf`).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { loadSafetensors } from "./safetensors.ts";
 * const { tensors } = await loadSafetensors(new URL("../../data/default-model/model.safetensors", import.meta.url).pathname);
 * assert.ok(Object.keys(tensors).length > 0);
 * ```
 */
export async function loadSafetensors(
  path: string,
  opts: LoadSafetensorsOptions = {},
): Promise<SafetensorsContents> {
  const f = await openForRead(path);
  const tensors: TensorMap = {};
  try {
    const header = await readHeader(f, path);
    for (const e of header.entries) {
      const raw = new Uint8Array(e.offsets[1] - e.offsets[0]);
      await f.seek(header.dataStart + e.offsets[0], Deno.SeekMode.Start);
      await readExactly(f, raw, path);
      tensors[e.name] = {
        dtype: e.dtype,
        shape: e.shape,
        data: decodeTensorBytes(raw.buffer, e.dtype, opts.keepHalf),
      };
    }
    return {
      tensors,
      ...(header.metadata ? { metadata: header.metadata } : {}),
    };
  } finally {
    f.close();
  }
}
