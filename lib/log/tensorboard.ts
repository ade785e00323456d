/**
 * TensorBoard event files written without TensorFlow: the TFRecord framing (little-endian
 * `uint64` length, masked CRC-32C of those 8 bytes, the data, masked CRC-32C of the data) around
 * `tensorflow.Event` protobuf messages. The first event carries `file_version: "brain.Event:2"`;
 * each later one a wall time, a step and a `Summary` of `simple_value` scalars (what TensorBoard's
 * scalar dashboard, `wandb sync --sync-tensorboard` and MLflow's TensorBoard import read).
 *
 * Message fields written (tensorflow/core/util/event.proto, framework/summary.proto):
 * `Event { double wall_time = 1; int64 step = 2; string file_version = 3; Summary summary = 5; }`,
 * `Summary { repeated Value value = 1; }`, `Value { string tag = 1; float simple_value = 2; }`.
 *
 * @module
 */
import {
  finish,
  message,
  writeDouble,
  writeFloat,
  writeInt,
  writeMessage,
  writeString,
} from "../engine/protobuf.ts";
import { maskedCrc32c } from "./crc32c.ts";

/** One TFRecord: length, masked CRC of the length, data, masked CRC of the data. */
export function tfRecord(data: Uint8Array): Uint8Array {
  const out = new Uint8Array(12 + data.length + 4);
  const view = new DataView(out.buffer);
  view.setBigUint64(0, BigInt(data.length), true);
  view.setUint32(8, maskedCrc32c(out.subarray(0, 8)), true);
  out.set(data, 12);
  view.setUint32(12 + data.length, maskedCrc32c(data), true);
  return out;
}

/** The bytes of an `Event` holding only `file_version` (the first record of every file). */
export function fileVersionEvent(wallTime: number): Uint8Array {
  const m = message();
  writeDouble(m, 1, wallTime);
  writeString(m, 3, "brain.Event:2");
  return finish(m);
}

/** The bytes of an `Event` with a `Summary` of scalars (`simple_value`, float32). */
export function scalarsEvent(
  wallTime: number,
  step: number,
  scalars: Readonly<Record<string, number>>,
): Uint8Array {
  const summary = message();
  for (const [tag, v] of Object.entries(scalars)) {
    const value = message();
    writeString(value, 1, tag);
    writeFloat(value, 2, v);
    writeMessage(summary, 1, value);
  }
  const m = message();
  writeDouble(m, 1, wallTime);
  writeInt(m, 2, step);
  writeMessage(m, 5, summary);
  return finish(m);
}

/**
 * The finite numbers of a (nested) record as TensorBoard tags: nested keys joined with `/`,
 * array entries by index (`loss/0`, `loss/1`: per agent), everything under `prefix`. Strings,
 * booleans, nulls and non-finite numbers are skipped.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { scalarTags } from "./tensorboard.ts";
 * assert.deepEqual(scalarTags({ reward: { mean: 0.5 }, loss: [1, null], type: "step" }, "train"), { "train/reward/mean": 0.5, "train/loss/0": 1 });
 * ```
 */
export function scalarTags(record: unknown, prefix: string): Record<string, number> {
  const out: Record<string, number> = {};
  const walk = (v: unknown, path: string) => {
    if (typeof v === "number") {
      if (Number.isFinite(v)) out[path] = v;
    } else if (Array.isArray(v)) v.forEach((x, i) => walk(x, `${path}/${i}`));
    else if (v && typeof v === "object") {
      for (const [k, x] of Object.entries(v)) walk(x, `${path}/${k}`);
    }
  };
  walk(record, prefix);
  return out;
}

/** Options of {@link openEventFile}. */
export interface EventFileOptions {
  /** Seconds since the epoch for the file name and the first event (default: now). */
  time?: number;
  /** Host name in the file name (default `Deno.hostname()`, "localhost" when not permitted). */
  host?: string;
}

/** An open event file (see {@link openEventFile}). */
export interface EventFileWriter {
  /** `<dir>/events.out.tfevents.<time>.<host>`. */
  readonly path: string;
  /** Appends one event of scalars at `step` (wall time: `wallTime` seconds, default now). */
  scalars(step: number, values: Readonly<Record<string, number>>, wallTime?: number): void;
  /** Closes the file. */
  close(): void;
}

/**
 * Creates `<dir>/events.out.tfevents.<time>.<host>` (TensorBoard's name), writes the
 * `file_version` event and returns a writer that appends one event per call (each record is
 * one `write`, so a crash leaves whole records, at worst a truncated last one, which
 * TensorBoard skips).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { openEventFile } from "./tensorboard.ts";
 * const dir = await Deno.makeTempDir();
 * const tb = openEventFile(dir, { time: 1700000000, host: "me" });
 * tb.scalars(1, { "train/reward/mean": 0.25 });
 * tb.close(); // then: tensorboard --logdir <dir>
 * assert.equal(tb.path, `${dir}/events.out.tfevents.1700000000.me`);
 * ```
 */
export function openEventFile(dir: string, opts: EventFileOptions = {}): EventFileWriter {
  const time = opts.time ?? Date.now() / 1000;
  let host = opts.host;
  if (host === undefined) {
    try {
      host = Deno.hostname();
    } catch {
      host = "localhost";
    }
  }
  Deno.mkdirSync(dir, { recursive: true });
  const path = `${dir}/events.out.tfevents.${Math.floor(time)}.${host}`;
  const file = Deno.openSync(path, { append: true, create: true });
  const put = (bytes: Uint8Array) => {
    let off = 0;
    while (off < bytes.length) off += file.writeSync(bytes.subarray(off));
  };
  put(tfRecord(fileVersionEvent(time)));
  let open = true;
  return {
    path,
    scalars(step, values, wallTime = Date.now() / 1000) {
      if (!open) throw new Error(`${path}: event file is closed`);
      put(tfRecord(scalarsEvent(wallTime, step, values)));
    },
    close() {
      if (open) file.close();
      open = false;
    },
  };
}
