/**
 * JSON Lines logs: one JSON object per line, appended with one `write` call per line so that a
 * crash never leaves a line half-written by this process (a line is either whole or absent).
 * Non-finite numbers (NaN, ±Infinity), which JSON cannot hold, are written as `null` and
 * reported once per key with a console warning, never silently.
 *
 * @module
 */
import { UserError } from "./errors.ts";

/** An open JSONL file (see {@link openJsonl}). */
export interface JsonlWriter {
  /** The file path. */
  readonly path: string;
  /** Appends one record (a plain object) as one line; returns the line written (without `\n`). */
  write(record: Record<string, unknown>): string;
  /** Closes the file; later writes throw. */
  close(): void;
}

/** Options of {@link openJsonl}. */
export interface JsonlOptions {
  /** Flush each line to the disk (fdatasync) before returning: survives power loss, slower. */
  fsync?: boolean;
}

/** Result of {@link toJsonSafe}: the JSON-ready value and the key paths of non-finite numbers. */
export interface JsonSafe {
  /** A copy with NaN/±Infinity replaced by null and typed arrays by plain arrays. */
  value: unknown;
  /** Key paths (`a.b`, `rewards[]`: array indices collapsed) where non-finite numbers were. */
  nonFinite: string[];
}

/**
 * Makes a value JSON-ready without losing information silently: non-finite numbers become
 * `null` (and their key paths are returned), typed arrays become plain arrays, objects with a
 * `toJSON` (dates) are converted. BigInts, functions and symbols are a {@link UserError}.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { toJsonSafe } from "./jsonl.ts";
 * assert.deepEqual(toJsonSafe({ loss: NaN, r: [1, Infinity] }), { value: { loss: null, r: [1, null] }, nonFinite: ["loss", "r[]"] });
 * ```
 */
export function toJsonSafe(value: unknown, where = "toJsonSafe"): JsonSafe {
  const nonFinite = new Set<string>();
  const walk = (v: unknown, path: string): unknown => {
    if (typeof v === "number") {
      if (Number.isFinite(v)) return v;
      nonFinite.add(path || "(value)");
      return null;
    }
    if (v === null || typeof v === "string" || typeof v === "boolean") return v;
    if (v === undefined) return undefined;
    if (typeof v !== "object") {
      throw new UserError(
        `${where}: key '${path || "(value)"}' holds a ${typeof v}, which JSON cannot store`,
      );
    }
    const o = v as { toJSON?: () => unknown };
    if (typeof o.toJSON === "function") return walk(o.toJSON(), path);
    if (ArrayBuffer.isView(v) && !(v instanceof DataView)) {
      return walk(Array.from(v as unknown as ArrayLike<unknown>), path);
    }
    if (Array.isArray(v)) return v.map((x) => walk(x, `${path}[]`) ?? null);
    const out: Record<string, unknown> = {};
    for (const [k, x] of Object.entries(v)) {
      const y = walk(x, path ? `${path}.${k}` : k);
      if (y !== undefined) out[k] = y;
    }
    return out;
  };
  return { value: walk(value, ""), nonFinite: [...nonFinite] };
}

/** Removes an incomplete last line (no trailing newline) left by a crash, with a warning. */
function dropPartialTail(path: string): void {
  let bytes: Uint8Array;
  try {
    bytes = Deno.readFileSync(path);
  } catch (err) {
    if (err instanceof Deno.errors.NotFound) return;
    throw new UserError(`${path}: cannot read (${(err as Error).message})`, { cause: err });
  }
  if (bytes.length === 0 || bytes[bytes.length - 1] === 0x0a) return;
  const keep = bytes.lastIndexOf(0x0a) + 1;
  console.warn(
    `warning: ${path}: dropping an incomplete last line (${bytes.length - keep} bytes, ` +
      `left by an interrupted write)`,
  );
  Deno.truncateSync(path, keep);
}

/**
 * Opens (creating folders and the file) a JSONL file for appending. Each `write` sends one whole
 * line in one write call. An incomplete last line left by a crash is removed first (with a warning).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { openJsonl } from "./jsonl.ts";
 * const path = `${await Deno.makeTempDir()}/metrics.jsonl`; // e.g. runs/<name>/metrics.jsonl
 * const log = openJsonl(path);
 * log.write({ step: 1, loss: 0.42 });
 * log.close();
 * assert.equal(await Deno.readTextFile(path), '{"step":1,"loss":0.42}\n');
 * ```
 */
export function openJsonl(path: string, opts: JsonlOptions = {}): JsonlWriter {
  const slash = path.lastIndexOf("/");
  let file: Deno.FsFile;
  try {
    if (slash > 0) Deno.mkdirSync(path.slice(0, slash), { recursive: true });
    dropPartialTail(path);
    file = Deno.openSync(path, { append: true, create: true });
  } catch (err) {
    if (err instanceof UserError) throw err;
    throw new UserError(`${path}: cannot open for appending (${(err as Error).message})`, {
      cause: err,
    });
  }
  const warned = new Set<string>();
  let open = true;
  return {
    path,
    write(record) {
      if (!open) throw new UserError(`${path}: write after close`);
      if (record === null || typeof record !== "object" || Array.isArray(record)) {
        throw new UserError(`${path}: each JSONL record must be an object, got ${typeof record}`);
      }
      const { value, nonFinite } = toJsonSafe(record, path);
      for (const key of nonFinite) {
        if (warned.has(key)) continue;
        warned.add(key);
        console.warn(
          `warning: ${path}: key '${key}' is not a finite number (NaN or ±Infinity); ` +
            `written as null (further occurrences of this key are not reported)`,
        );
      }
      const line = JSON.stringify(value);
      const bytes = new TextEncoder().encode(line + "\n");
      let done = file.writeSync(bytes);
      while (done < bytes.length) done += file.writeSync(bytes.subarray(done)); // rare short write
      if (opts.fsync) file.syncDataSync();
      return line;
    },
    close() {
      if (open) file.close();
      open = false;
    },
  };
}

/**
 * Reads every record of a JSONL file. Blank lines are skipped; an incomplete last line (no
 * trailing newline, not valid JSON: a write in progress or a crash) is skipped with a warning;
 * any other bad line is a {@link UserError} naming the file and the line number.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { readJsonl } from "./jsonl.ts";
 * const path = await Deno.makeTempFile({ suffix: ".jsonl" }); // e.g. runs/<name>/metrics.jsonl
 * await Deno.writeTextFile(path, '{"step":1}\n{"step":2}\n');
 * assert.deepEqual(await readJsonl(path), [{ step: 1 }, { step: 2 }]);
 * ```
 */
export async function readJsonl(path: string): Promise<Record<string, unknown>[]> {
  let text: string;
  try {
    text = await Deno.readTextFile(path);
  } catch (err) {
    const why = err instanceof Deno.errors.NotFound ? "file not found" : (err as Error).message;
    throw new UserError(`${path}: cannot read (${why})`, { cause: err });
  }
  const lines = text.split("\n");
  const out: Record<string, unknown>[] = [];
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i].trim();
    if (line === "") continue;
    let rec: unknown;
    try {
      rec = JSON.parse(line);
    } catch (err) {
      if (i === lines.length - 1) {
        console.warn(`warning: ${path}:${i + 1}: skipping an incomplete last line`);
        continue;
      }
      throw new UserError(`${path}:${i + 1}: invalid JSON (${(err as Error).message})`, {
        cause: err,
      });
    }
    if (rec === null || typeof rec !== "object" || Array.isArray(rec)) {
      throw new UserError(`${path}:${i + 1}: expected a JSON object, got ${line.slice(0, 40)}`);
    }
    out.push(rec as Record<string, unknown>);
  }
  return out;
}

/**
 * Keeps only the records of a JSONL file for which `keep(record)` is true, replacing the file
 * atomically (a temporary file in the same folder, flushed, then renamed over it): a crash
 * leaves either the old or the new file. An incomplete last line is dropped; another bad line is
 * a {@link UserError}. A missing file is left missing. Returns the number of records removed.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { filterJsonl, readJsonl } from "./jsonl.ts";
 * const path = await Deno.makeTempFile({ suffix: ".jsonl" }); // e.g. runs/<name>/metrics.jsonl
 * await Deno.writeTextFile(path, '{"step":4}\n{"step":5}\n');
 * // a run resumed from its step-4 checkpoint forgets the steps logged after it
 * await filterJsonl(path, (r) => (r.step as number) <= 4);
 * assert.deepEqual(await readJsonl(path), [{ step: 4 }]);
 * ```
 */
export async function filterJsonl(
  path: string,
  keep: (record: Record<string, unknown>) => boolean,
): Promise<number> {
  try {
    await Deno.stat(path);
  } catch (err) {
    if (err instanceof Deno.errors.NotFound) return 0;
    throw new UserError(`${path}: cannot read (${(err as Error).message})`, { cause: err });
  }
  const records = await readJsonl(path);
  const kept = records.filter(keep);
  const text = kept.map((r) => JSON.stringify(r) + "\n").join("");
  const original = await Deno.readTextFile(path);
  if (kept.length === records.length && original === text) return 0;
  const slash = path.lastIndexOf("/");
  const dir = slash >= 0 ? path.slice(0, slash) || "/" : ".";
  const tmp = `${dir}/.${path.slice(slash + 1)}.tmp-${crypto.randomUUID().slice(0, 8)}`;
  try {
    const f = await Deno.open(tmp, { write: true, create: true, truncate: true });
    try {
      const bytes = new TextEncoder().encode(text);
      for (let done = 0; done < bytes.length;) done += await f.write(bytes.subarray(done));
      await f.syncData();
    } finally {
      f.close();
    }
    await Deno.rename(tmp, path);
  } catch (err) {
    await Deno.remove(tmp).catch(() => {});
    throw new UserError(`${path}: cannot rewrite (${(err as Error).message})`, { cause: err });
  }
  return records.length - kept.length;
}
