/**
 * A minimal protobuf writer (varints, fixed 32/64-bit and length-delimited fields), enough to
 * emit ONNX ModelProto bytes and TensorBoard events without a dependency.
 *
 * @module
 */

/** Bytes of a message under construction: a list of chunks, concatenated at the end. */
export interface Message {
  chunks: Uint8Array[];
  length: number;
}

/** A new, empty message. */
export function message(): Message {
  return { chunks: [], length: 0 };
}

function push(m: Message, bytes: Uint8Array): void {
  m.chunks.push(bytes);
  m.length += bytes.length;
}

function varintBytes(v: number | bigint): Uint8Array {
  let x = BigInt.asUintN(64, BigInt(v));
  const out: number[] = [];
  while (x >= 0x80n) {
    out.push(Number(x & 0x7fn) | 0x80);
    x >>= 7n;
  }
  out.push(Number(x));
  return Uint8Array.from(out);
}

function tag(field: number, wire: number): Uint8Array {
  return varintBytes((field << 3) | wire);
}

/** Writes an int field (int32/int64/enum; negatives as 10-byte two's complement). */
export function writeInt(m: Message, field: number, v: number | bigint): void {
  push(m, tag(field, 0));
  push(m, varintBytes(v));
}

/** Writes a float32 field (wire type 5). */
export function writeFloat(m: Message, field: number, v: number): void {
  push(m, tag(field, 5));
  const b = new Uint8Array(4);
  new DataView(b.buffer).setFloat32(0, v, true);
  push(m, b);
}

/** Writes a double field (wire type 1). */
export function writeDouble(m: Message, field: number, v: number): void {
  push(m, tag(field, 1));
  const b = new Uint8Array(8);
  new DataView(b.buffer).setFloat64(0, v, true);
  push(m, b);
}

/** Writes a bytes field. */
export function writeBytes(m: Message, field: number, bytes: Uint8Array): void {
  push(m, tag(field, 2));
  push(m, varintBytes(bytes.length));
  push(m, bytes);
}

/** Writes a UTF-8 string field. */
export function writeString(m: Message, field: number, s: string): void {
  writeBytes(m, field, new TextEncoder().encode(s));
}

/** Writes a nested message field. */
export function writeMessage(m: Message, field: number, sub: Message): void {
  push(m, tag(field, 2));
  push(m, varintBytes(sub.length));
  for (const c of sub.chunks) push(m, c);
}

/** Writes a packed repeated int64 field. */
export function writePackedInts(
  m: Message,
  field: number,
  values: number[],
): void {
  const body = message();
  for (const v of values) push(body, varintBytes(v));
  push(m, tag(field, 2));
  push(m, varintBytes(body.length));
  for (const c of body.chunks) push(m, c);
}

/** Concatenates a message into one buffer. */
export function finish(m: Message): Uint8Array {
  const out = new Uint8Array(m.length);
  let off = 0;
  for (const c of m.chunks) {
    out.set(c, off);
    off += c.length;
  }
  return out;
}
